// Browser timings measured by Playwright in a real Chromium against `npm start`'s server: cold start to the first
// prediction (empty cache: page, RDKit and SEAL WASM, keys, key upload, query), a warm prediction (keys and session
// reused), and a 1,000-molecule batch. Standalone: `npx tsx bench/browser.ts`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { chromium, type Page } from '@playwright/test';
import { parseCsv } from '@chemveil/featurizer';

const repoRoot = new URL('../', import.meta.url).pathname;
const TARGETS = { coldMs: 4000, warmMs: 1000, batch1000Ms: 60_000 };

export interface BrowserBench {
  model: string;
  coldStartToFirstPredictionMs: number;
  /** Median of several predictions with the keys and the session already in place. */
  warmPredictionMs: number;
  warmPredictionRunsMs: number[];
  batch1000Ms: number;
  batchMoleculesPerSecond: number;
  targets: typeof TARGETS;
  meetsTargets: { cold: boolean; warm: boolean; batch: boolean };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function executablePath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

async function startServer(port: number): Promise<ChildProcess> {
  // Its own process group: start.mjs runs `chemveil serve` as a child, and both must stop at the end.
  const server = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port)], { cwd: repoRoot, stdio: 'ignore', detached: true }); // prettier-ignore
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      .then((r) => r.json() as Promise<{ status?: string }>)
      .catch(() => undefined);
    if (health?.status === 'ok') return server;
    if (server.exitCode !== null)
      throw new Error(`the server exited with code ${server.exitCode} (port ${port} in use?)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  server.kill();
  throw new Error('the server did not become ready in 180 s');
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  process.kill(-server.pid!, 'SIGTERM');
  await exited;
}

function esolSmiles(count: number): string[] {
  const [header, ...rows] = parseCsv(readFileSync(`${repoRoot}data/datasets/delaney-processed.csv`, 'utf8'));
  const column = header!.cells.indexOf('smiles');
  const smiles = rows.map((r) => r.cells[column]!.trim());
  return Array.from({ length: count }, (_, i) => smiles[i % smiles.length]!);
}

async function predict(page: Page, smiles: string): Promise<number> {
  await page.getByTestId('molecule-input').fill(smiles);
  await page.getByTestId('molecule-status').filter({ hasText: 'Valid molecule' }).waitFor();
  const started = performance.now();
  await page.getByTestId('predict-button').click();
  await page.locator('[data-testid="prediction-status"][data-status="done"]').waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

export async function runBrowserBench(options: { port?: number; model?: string } = {}): Promise<BrowserBench> {
  const port = options.port ?? 8799;
  const model = options.model ?? 'esol';
  const server = await startServer(port);
  const browser = await chromium.launch({
    executablePath: executablePath(),
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Cold: navigation start → first prediction shown, with the molecule typed as soon as the field exists.
    const coldStarted = performance.now();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator(`[data-testid="model-select"] option[value="${model}"]`).waitFor({ state: 'attached' });
    await page.getByTestId('model-select').selectOption(model);
    await page.getByTestId('molecule-input').fill('CC(=O)Oc1ccccc1C(=O)O');
    await page.getByTestId('molecule-status').filter({ hasText: 'Valid molecule' }).waitFor();
    await page.getByTestId('predict-button').click();
    await page.locator('[data-testid="prediction-status"][data-status="done"]').waitFor({ timeout: 60_000 });
    const coldStartToFirstPredictionMs = performance.now() - coldStarted;

    const warmPredictionRunsMs: number[] = [];
    for (const smiles of [
      'Cn1cnc2c1c(=O)n(C)c(=O)n2C',
      'CC(C)Cc1ccc(cc1)C(C)C(=O)O',
      'c1ccccc1O',
      'CCN(CC)CC',
      'OCC(O)CO',
    ]) {
      warmPredictionRunsMs.push(await predict(page, smiles));
    }

    const csv = `smiles\n${esolSmiles(1000).join('\n')}\n`;
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Batch' }).click();
    await page.getByTestId('batch-file-input').setInputFiles({ name: 'bench.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) }); // prettier-ignore
    await page.getByTestId('batch-summary').filter({ hasText: '1000 rows' }).waitFor();
    const batchStarted = performance.now();
    await page.getByTestId('batch-run').click();
    await page.locator('[data-testid="batch-status"][data-status="done"]').waitFor({ timeout: 300_000 });
    const batch1000Ms = performance.now() - batchStarted;
    await context.close();

    const warmPredictionMs = median(warmPredictionRunsMs);
    return {
      model,
      coldStartToFirstPredictionMs: Math.round(coldStartToFirstPredictionMs),
      warmPredictionMs: Math.round(warmPredictionMs),
      warmPredictionRunsMs: warmPredictionRunsMs.map(Math.round),
      batch1000Ms: Math.round(batch1000Ms),
      batchMoleculesPerSecond: Math.round((1000 / batch1000Ms) * 1000),
      targets: TARGETS,
      meetsTargets: {
        cold: coldStartToFirstPredictionMs <= TARGETS.coldMs,
        warm: warmPredictionMs <= TARGETS.warmMs,
        batch: batch1000Ms <= TARGETS.batch1000Ms,
      },
    };
  } finally {
    await browser.close();
    await stopServer(server);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runBrowserBench(), null, 2));
}
