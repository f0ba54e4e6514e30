import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const stub = (file: string) => fileURLToPath(new URL(`apps/web/src/workers/${file}`, import.meta.url));

// The web app's build. Workspace packages are consumed as TypeScript source (their package.json points at src/).
export default defineConfig({
  root: 'apps/web',
  plugins: [react()],
  worker: { format: 'es' },
  // node-seal's worker build locates its .wasm itself; pre-bundling would move the module away from it.
  optimizeDeps: { exclude: ['node-seal'] },
  resolve: {
    alias: [
      { find: 'node:fs', replacement: stub('node-builtin-stub.ts') },
      { find: 'node:crypto', replacement: stub('node-builtin-stub.ts') },
      // Only the bare package (core's Node default loader); node-seal/throws_wasm_cf_worker_es still resolves.
      { find: /^node-seal$/, replacement: stub('node-seal-stub.ts') },
    ],
  },
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // The structure editor (openchemlib) and RDKit's WASM are big by nature; both load only when needed.
    chunkSizeWarningLimit: 1500,
  },
  server: { host: '127.0.0.1', port: 5173 },
});
