import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    // Real WASM (RDKit, SEAL) in every test: generous ceilings, so a slow or busy machine is not a failure (the
    // 1,500-request fuzz took 56–59 s unloaded on two cores and more beside other work); a hang still fails.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
