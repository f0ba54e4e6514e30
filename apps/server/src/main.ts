import { createApp } from './app.ts';
import { readConfig } from './env.ts';

/** Starts the server and resolves with its URL; closes cleanly on SIGINT/SIGTERM. */
export async function startServer(flags: Parameters<typeof readConfig>[1] = {}): Promise<string> {
  const config = readConfig(process.env, flags);
  const app = createApp({ webRoot: config.webRoot });
  const url = await app.listen({ host: config.host, port: config.port });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
  return url;
}
