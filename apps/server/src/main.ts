import { createApp } from './app.ts';
import { readConfig, type ConfigFlags } from './env.ts';

/** Starts the server and resolves with its URL; closes cleanly (in-flight requests finish) on SIGINT/SIGTERM. */
export async function startServer(flags: ConfigFlags = {}, options: { logger?: boolean } = {}): Promise<string> {
  const config = readConfig(process.env, flags);
  const app = createApp({ ...config, logger: options.logger ?? false });
  const url = await app.listen({ host: config.host, port: config.port });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
  return url;
}
