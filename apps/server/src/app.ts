import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { healthSchema, OCTET_STREAM, ProtocolError } from '@chemveil/core';
import type { Health } from '@chemveil/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerCors } from './cors.ts';
import { ConfigError, readConfig, type ServerConfig } from './env.ts';
import { registerErrorHandler } from './errors.ts';
import { EvaluationPool } from './evaluation/pool.ts';
import { accountOf, readTokenFile, TokenFileError } from './limits/api-tokens.ts';
import { ClientRateLimiter, MoleculeBudget } from './limits/client-limits.ts';
import { loadModels } from './models/registry.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerWebApp } from './routes/web-app.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { SessionStore } from './sessions/store.ts';
import { createState, type ServerState } from './state.ts';

export interface AppOptions extends Partial<ServerConfig> {
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    chemveil: ServerState;
  }
  interface FastifyRequest {
    /** Who per-client limits charge: the token's account when the server takes tokens, else the address. */
    chemveilClient: string;
  }
}

/** Trust this many proxies in front of the server (the nearest hops of X-Forwarded-For). */
const hopsOf =
  (hops: number) =>
  (_address: string, hop: number): boolean =>
    hop < hops;

/**
 * Builds the server; only main.ts listens, tests use `app.inject()`. Models are planned and loaded into the
 * evaluation workers while the app gets ready (`await app.ready()` or `listen`), so a listening server serves.
 * Options override the configuration read from the environment (safe local defaults).
 */
export function createApp(options: AppOptions = {}): FastifyInstance {
  const { logger, ...overrides } = options;
  const config: ServerConfig = { ...readConfig(process.env, {}), ...overrides };
  let tokens;
  try {
    tokens = config.tokensFile ? readTokenFile(config.tokensFile) : undefined;
  } catch (error) {
    if (error instanceof TokenFileError) throw new ConfigError(error.message);
    throw error;
  }
  // Request logs carry method, URL and status only: never bodies, so never keys or ciphertexts.
  // No plugin timeout: planning a zoo the first time (before the plan cache has it) takes a while.
  const app = Fastify({
    logger: logger ?? false,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    pluginTimeout: 0,
    // Long path parameters reach our schemas (a clean 400) instead of the router's own 414 body.
    routerOptions: { maxParamLength: 8192 },
    // Behind a proxy, request.ip (what every per-client limit keys on) is the forwarded client it vouches for.
    trustProxy: typeof config.trustProxy === 'number' ? hopsOf(config.trustProxy) : config.trustProxy,
    // A body trickled a byte at a time would pin its buffer for as long as the client likes: the whole request
    // must arrive in time (Node checks once a second, not its default 30 s; given at construction, where Node reads
    // it), an idle socket is closed (generous: a socket waits silently while its partition is evaluated), and
    // connections are capped.
    serverFactory: (handler) => {
      const server = createServer({ requestTimeout: config.requestTimeoutSeconds * 1000, connectionsCheckingInterval: 1000 }, handler); // prettier-ignore
      server.setTimeout(config.idleTimeoutSeconds * 1000);
      server.maxConnections = config.maxConnections;
      return server;
    },
  });
  const pool = new EvaluationPool(config.workers, config.maxQueuedCiphertexts, (m) => app.log.warn(m), undefined, config.workerHeapMb); // prettier-ignore
  const sessions = new SessionStore({
    ttlSeconds: config.sessionTtlSeconds,
    maxBytes: config.maxSessionBytes,
    maxSessions: config.maxSessions,
    sessionsPerClient: config.sessionsPerClient,
    bytesPerClient: config.sessionMemoryPerClientMb * 2 ** 20,
    workers: config.workers,
    onDispose: (session) => pool.dropSession(session.id),
  });
  const rateLimiter = new ClientRateLimiter({
    requestsPerMinute: config.requestsPerMinute,
    burst: Math.max(10, Math.ceil(config.requestsPerMinute / 4)),
  });
  const state = createState(config, pool, sessions, rateLimiter, new MoleculeBudget(config.moleculesPerClientPerDay));
  app.decorate('chemveil', state);
  app.decorateRequest('chemveilClient', '');

  registerErrorHandler(app);
  registerCors(app, config.corsOrigins);
  app.addContentTypeParser(OCTET_STREAM, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', async (request) => {
    if (state.status === 'shutting-down') throw new ProtocolError('SHUTTING_DOWN', 'the server is shutting down');
    // The API is rate limited per client address before any body is read; health checks and the web app are not.
    // Judged by the route the router matched, not the raw URL: the router percent-decodes, so /%761/models/… is
    // an API request too. Unmatched paths are counted (only /healthz is free).
    const route = request.routeOptions.url;
    if (route === undefined ? !request.url.startsWith('/healthz') : route.startsWith('/v1/')) rateLimiter.take(request.ip); // prettier-ignore
    // With API tokens every API route needs one, and the account (not the address) is the client the session,
    // key-memory and molecule budgets charge.
    const account = tokens && route?.startsWith('/v1/') ? accountOf(tokens, request.headers.authorization) : undefined;
    request.chemveilClient = account === undefined ? request.ip : `account:${account}`;
  });
  app.addHook('onSend', setSecurityHeaders);
  app.addHook('preClose', async () => {
    state.status = 'shutting-down';
  });
  app.addHook('onClose', async () => {
    sessions.close();
    await pool.close();
  });

  app.get('/healthz', { schema: { response: { 200: healthSchema } } }, async (): Promise<Health> => ({
    status: state.status,
    models: state.models.size,
    workers: pool.size,
    sessions: sessions.size,
  }));

  if (config.diagnostics) {
    // Opt-in (CHEMVEIL_DIAGNOSTICS=1), for the load test: memory only, nothing about sessions' contents.
    app.get('/diagnostics/memory', async () => {
      // A collection first when the process allows it (--expose-gc): garbage is not a leak, and RSS read while
      // freed request bodies await the collector swings by tens of MB.
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
      return {
        rss,
        heapUsed,
        arrayBuffers,
        sessions: sessions.size,
        sessionBytes: sessions.bytes,
        workers: await pool.stats(),
      };
    });
  }

  // Routes whose body limits depend on the models are registered once the models are loaded.
  app.register(async (api) => {
    try {
      state.models = await loadModels({
        modelsDir: config.modelsDir,
        planCacheDir: config.planCacheDir,
        maskBits: config.maskBits,
        maxCiphertextsPerRequest: config.maxCiphertextsPerRequest,
        pool,
        log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
      });
    } catch (error) {
      await pool.close();
      sessions.close();
      throw error;
    }
    registerModelRoutes(api, state);
    registerSessionRoutes(api, state);
    state.status = 'ok';
  });
  if (config.webRoot && existsSync(config.webRoot)) registerWebApp(app, config.webRoot);
  return app;
}
