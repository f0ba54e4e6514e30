import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 8797);
export const baseURL = `http://127.0.0.1:${port}`;

/**
 * Playwright cannot download its browsers on our machines: use CHROMIUM_PATH, else Debian's /usr/bin/chromium
 * when present, else Playwright's own Chromium (developer laptops).
 */
function chromiumExecutable(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const executablePath = chromiumExecutable();

export default defineConfig({
  testDir: '.',
  outputDir: '../test-results',
  forbidOnly: !!process.env.CI,
  // No retries: a flaky test is a bug to fix, and a retry would hide it.
  retries: 0,
  workers: 1,
  // Generous ceilings, not fixed short waits: every step here waits on something the app reports (a status, a
  // request in the privacy panel), and on a busy two-core machine cold WASM loads and key generation (now with
  // relinearization, conjugation and public keys) take seconds. A broken app still fails, only later.
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    ...devices['Desktop Chrome'],
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      // Closed network: Chromium's background services would only fail to connect.
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: [
    {
      command: `node scripts/start.mjs --port ${port}`,
      cwd: '..',
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: 'pipe',
    },
  ],
});
