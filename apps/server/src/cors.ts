import { QUERY_HEADER, SESSION_HEADER } from '@chemveil/core';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from './env.ts';

const LOOPBACK = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * CORS for the API, so a web app served elsewhere can use this server: by default only loopback origins (a
 * local dev server), or '*' / a list from the config. Preflights are answered here, before any route runs.
 */
export function registerCors(app: FastifyInstance, origins: ServerConfig['corsOrigins']): void {
  const allowed = (origin: string): boolean =>
    origins === '*' ? true : origins === 'loopback' ? LOOPBACK.test(origin) : origins.includes(origin);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !allowed(origin)) return;
    reply.header('access-control-allow-origin', origins === '*' ? '*' : origin);
    reply.header('vary', 'origin');
    reply.header('access-control-expose-headers', `${QUERY_HEADER}, retry-after`);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      reply.header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
      reply.header('access-control-allow-headers', `content-type, authorization, ${SESSION_HEADER}, ${QUERY_HEADER}`);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
