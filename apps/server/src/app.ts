import { existsSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerWebApp } from './routes/web-app.ts';

export interface AppOptions {
  /** Directory of the built web app to serve at / (skipped when absent). */
  webRoot?: string;
  logger?: boolean;
}

/** Builds the server; only main.ts listens, tests use `app.inject()`. */
export function createApp(options: AppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  if (options.webRoot && existsSync(options.webRoot)) registerWebApp(app, options.webRoot);
  return app;
}
