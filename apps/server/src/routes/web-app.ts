import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { ProtocolError } from '@chemveil/core';
import type { FastifyInstance } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // required for WebAssembly.instantiateStreaming
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built single-page app: files under webRoot, hashed /assets/ cached for a year, any other path falls
 * back to index.html (client-side routes; /v1/… excepted). Paths are normalized and must stay inside webRoot.
 */
export function registerWebApp(app: FastifyInstance, webRoot: string): void {
  const root = normalize(webRoot + sep);
  app.get('/*', async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent((request.params as { '*': string })['*'] ?? '');
    } catch {
      throw new ProtocolError('BAD_REQUEST', 'malformed percent-encoding in the path');
    }
    // API paths never fall back to the app: an unknown API route is a JSON 404.
    if (path === 'v1' || path.startsWith('v1/')) return reply.callNotFound();
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such file' } });
    const found = await stat(file).then(
      (s) => (s.isFile() ? file : undefined),
      () => undefined,
    );
    const target = found ?? (extname(path) === '' ? join(root, 'index.html') : undefined);
    if (!target) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No file /${path}` } });
    reply.header('content-type', CONTENT_TYPES[extname(target)] ?? 'application/octet-stream');
    reply.header('cache-control', path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.send(createReadStream(target));
  });
}
