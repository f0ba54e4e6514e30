import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web app's build. Workspace packages are consumed as TypeScript source (their package.json points at src/).
export default defineConfig({
  root: 'apps/web',
  plugins: [react()],
  worker: { format: 'es' },
  resolve: {
    alias: {
      'node:fs': fileURLToPath(new URL('apps/web/src/workers/node-builtin-stub.ts', import.meta.url)),
      'node:crypto': fileURLToPath(new URL('apps/web/src/workers/node-builtin-stub.ts', import.meta.url)),
    },
  },
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: { host: '127.0.0.1', port: 5173 },
});
