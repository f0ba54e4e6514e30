import { fileURLToPath } from 'node:url';

export interface ServerConfig {
  host: string;
  port: number;
  /** Built web app to serve at / (absent: API only). */
  webRoot: string | undefined;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads configuration once at boot: flags win over env, env over safe local defaults (loopback only). */
export function readConfig(
  env: NodeJS.ProcessEnv,
  flags: Partial<Record<'host' | 'port' | 'web', string>> = {},
): ServerConfig {
  const host = flags.host ?? env.CHEMVEIL_HOST ?? '127.0.0.1';
  const portText = flags.port ?? env.CHEMVEIL_PORT ?? env.PORT ?? '8787';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`port must be 0–65535, got "${portText}"`);
  const web = flags.web ?? env.CHEMVEIL_WEB_ROOT ?? `${repoRoot}dist/web`;
  return { host, port, webRoot: web === '' ? undefined : web };
}
