import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface ServerConfig {
  host: string;
  port: number;
  /** Built web app to serve at / (absent: API only). */
  webRoot: string | undefined;
  /** Directory of model bundles (`*.cvmb`); each is served under its card id, or its file stem. */
  modelsDir: string;
  /** Evaluation worker threads, each with its own SEAL instance and encoded weights. */
  workers: number;
  /** Idle time after which a session (its evaluation keys) is dropped; every request slides it forward. */
  sessionTtlSeconds: number;
  /** Cap on the memory all sessions' keys take (uploaded bytes plus the keys loaded in every worker). */
  maxSessionBytes: number;
  maxSessions: number;
  maxCiphertextsPerRequest: number;
  /** Ciphertexts waiting for a worker beyond which requests get 429. */
  maxQueuedCiphertexts: number;
  /** Origins allowed to call the API from a browser: 'loopback' (default), '*', or a list. */
  corsOrigins: 'loopback' | '*' | string[];
  /** Abuse limits per client address: sessions open at once, and API requests per minute (burst: a quarter). */
  sessionsPerClient: number;
  requestsPerMinute: number;
  /**
   * Molecules one client may have predicted per day (a token bucket refilled continuously; 0: no budget). What
   * prices extraction of the model by many queries: docs/security.md has the arithmetic.
   */
  moleculesPerClientPerDay: number;
  /** Share of the session-memory cap one client's sessions may take, so one client cannot evict everyone else's. */
  sessionMemoryPerClientMb: number;
  /**
   * Behind a reverse proxy: which forwarded addresses to believe (Fastify's trustProxy: false, true, a hop count
   * or a list of proxy addresses/CIDRs). Per-client limits key on the resulting address.
   */
  trustProxy: boolean | number | string[];
  /**
   * Deadlines against slow clients: the whole request must arrive within `requestTimeoutSeconds` (a trickled body
   * is cut off with 408), a socket idle that long is closed, and at most `maxConnections` are open at once.
   */
  requestTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  /** JavaScript heap of each evaluation worker, MiB (SEAL's WASM memory is bounded by maxSessionBytes instead). */
  workerHeapMb: number;
  maxConnections: number;
  /**
   * File of SHA-256 hashes of API tokens (`sha256:<hex> <account>` per line; `chemveil token` mints them). Set: every
   * /v1 request needs `Authorization: Bearer <token>`, and per-client limits key on the account. Unset: open API.
   */
  tokensFile: string | undefined;
  /** Serve GET /diagnostics/memory (process and SEAL heaps) for load tests; off by default. */
  diagnostics: boolean;
  /** Where chosen plans are cached by bundle hash ('' disables the cache). */
  planCacheDir: string | undefined;
  /**
   * Blinding strength for every model's intermediates, in bits (0: none). Unset: chosen per model, the strongest
   * that keeps the error target (32 for the shipped models). Lower it only to trade model privacy for speed.
   */
  maskBits: number | undefined;
}

export type ConfigFlags = Partial<Record<'host' | 'port' | 'web' | 'models' | 'workers' | 'cors' | 'mask-bits', string>>; // prettier-ignore

/** The strongest mask a plan can be asked for (the planner's headroom ends well before; 32 is what holds). */
export const MAX_MASK_BITS = 48;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be ${min}–${max}, got "${text}"`);
  return value;
}

function trustProxy(text: string): ServerConfig['trustProxy'] {
  if (text === 'false' || text === '') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return integer('CHEMVEIL_TRUST_PROXY hops', text, 1, 16);
  return text.split(',').map((a) => a.trim()).filter(Boolean); // prettier-ignore
}

function corsOrigins(text: string): ServerConfig['corsOrigins'] {
  if (text === 'loopback' || text === '*') return text;
  const origins = text
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError(`CORS origins are scheme://host[:port] without a path, got "${origin}"`);
  }
  return origins;
}

/** Reads configuration once at boot: flags win over env, env over safe local defaults (loopback only). */
export function readConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): ServerConfig {
  const host = flags.host ?? env.CHEMVEIL_HOST ?? '127.0.0.1';
  const port = integer('port', flags.port ?? env.CHEMVEIL_PORT ?? env.PORT ?? '8787', 0, 65535);
  const web = flags.web ?? env.CHEMVEIL_WEB_ROOT ?? `${repoRoot}dist/web`;
  const cache = env.CHEMVEIL_PLAN_CACHE ?? `${repoRoot}node_modules/.cache/chemveil/plans`;
  const maskBits = flags['mask-bits'] ?? env.CHEMVEIL_MASK_BITS ?? 'auto';
  return {
    host,
    port,
    webRoot: web === '' ? undefined : web,
    modelsDir: flags.models ?? env.CHEMVEIL_MODELS_DIR ?? `${repoRoot}models`,
    workers: integer('workers', flags.workers ?? env.CHEMVEIL_WORKERS ?? String(Math.min(2, availableParallelism())), 1, 64), // prettier-ignore
    sessionTtlSeconds: integer('CHEMVEIL_SESSION_TTL', env.CHEMVEIL_SESSION_TTL ?? '1800', 1, 86400),
    maxSessionBytes: integer('CHEMVEIL_SESSION_MEMORY_MB', env.CHEMVEIL_SESSION_MEMORY_MB ?? '3072', 1, 1 << 20) * 2 ** 20, // prettier-ignore
    maxSessions: integer('CHEMVEIL_MAX_SESSIONS', env.CHEMVEIL_MAX_SESSIONS ?? '256', 1, 1e6),
    maxCiphertextsPerRequest: integer('CHEMVEIL_MAX_CIPHERTEXTS', env.CHEMVEIL_MAX_CIPHERTEXTS ?? '32', 1, 1024),
    maxQueuedCiphertexts: integer('CHEMVEIL_MAX_QUEUED', env.CHEMVEIL_MAX_QUEUED ?? '256', 1, 1e6),
    corsOrigins: corsOrigins(flags.cors ?? env.CHEMVEIL_CORS_ORIGINS ?? 'loopback'),
    sessionsPerClient: integer('CHEMVEIL_SESSIONS_PER_CLIENT', env.CHEMVEIL_SESSIONS_PER_CLIENT ?? '64', 1, 1e6),
    diagnostics: env.CHEMVEIL_DIAGNOSTICS === '1',
    requestsPerMinute: integer('CHEMVEIL_REQUESTS_PER_MINUTE', env.CHEMVEIL_REQUESTS_PER_MINUTE ?? '6000', 1, 1e9),
    moleculesPerClientPerDay: integer(
      'CHEMVEIL_MOLECULES_PER_DAY',
      env.CHEMVEIL_MOLECULES_PER_DAY ?? '100000',
      0,
      1e12,
    ),
    sessionMemoryPerClientMb: integer('CHEMVEIL_SESSION_MEMORY_PER_CLIENT_MB', env.CHEMVEIL_SESSION_MEMORY_PER_CLIENT_MB ?? '768', 1, 1 << 20), // prettier-ignore
    trustProxy: trustProxy(env.CHEMVEIL_TRUST_PROXY ?? 'false'),
    requestTimeoutSeconds: integer('CHEMVEIL_REQUEST_TIMEOUT', env.CHEMVEIL_REQUEST_TIMEOUT ?? '120', 1, 3600),
    idleTimeoutSeconds: integer('CHEMVEIL_IDLE_TIMEOUT', env.CHEMVEIL_IDLE_TIMEOUT ?? '300', 1, 86400),
    workerHeapMb: integer('CHEMVEIL_WORKER_HEAP_MB', env.CHEMVEIL_WORKER_HEAP_MB ?? '1024', 64, 65536),
    maxConnections: integer('CHEMVEIL_MAX_CONNECTIONS', env.CHEMVEIL_MAX_CONNECTIONS ?? '1024', 1, 1e6),
    planCacheDir: cache === '' ? undefined : cache,
    tokensFile: env.CHEMVEIL_TOKENS ? env.CHEMVEIL_TOKENS : undefined,
    maskBits: maskBits === 'auto' ? undefined : integer('mask bits (CHEMVEIL_MASK_BITS)', maskBits, 0, MAX_MASK_BITS),
  };
}
