// Failures a chemist meets, recovered from: the server goes away mid-session (unreachable, then back with no memory
// of the session), and the encryption worker crashes. This test runs its own server so it can stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chemveilPredict } from './fixtures/reference.ts';
import { expect, test } from './fixtures/test.ts';

const port = Number(process.env.E2E_PORT ?? 8797) + 1;
const serverUrl = `http://127.0.0.1:${port}`;
const repoRoot = new URL('../', import.meta.url).pathname;

async function startServer(): Promise<ChildProcess> {
  const server = spawn(`${repoRoot}node_modules/.bin/chemveil`, ['serve', '--port', String(port)], {
    cwd: repoRoot,
    stdio: 'ignore',
    detached: true, // its own process group, stopped as a whole
  });
  await expect
    .poll(
      async () =>
        (
          await fetch(`${serverUrl}/healthz`)
            .then((r) => r.json())
            .catch(() => ({}))
        ).status,
      { timeout: 60_000 },
    ) // prettier-ignore
    .toBe('ok');
  return server;
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  process.kill(-server.pid!, 'SIGTERM');
  await exited;
}

test('server restart mid-session and a worker crash are recovered from', async ({ app, audit, page }) => {
  test.setTimeout(150_000);
  const molecules = ['CCO', 'c1ccccc1O', 'CC(C)Cc1ccc(cc1)C(C)C(=O)O', 'CCN(CC)CC'];
  audit.watch(...molecules);
  // What the recovered predictions must equal (the plaintext model, within the 1e-3 target).
  const reference = chemveilPredict('esol', `smiles\n${molecules.join('\n')}\n`).map((row) => row.prediction!);
  let server = await startServer();
  try {
    await app.open(`${serverUrl}/`);
    await app.chooseModel('esol');
    await app.predict(molecules[0]);
    await expect(app.privacyPanel().locator('[data-kind="public-keys"]')).toHaveCount(1);

    await test.step('server down: a message the chemist understands', async () => {
      await stopServer(server);
      await app.molecule.enter(molecules[1]!);
      await expect(app.molecule.status()).toHaveText(/Valid molecule/);
      await app.predictButton().click();
      await expect(app.predictionStatus()).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
      await expect(app.predictionStatus()).toHaveText(/Cannot reach the ChemVeil server/);
    });

    await test.step('server back, without the session: re-created silently, same keys', async () => {
      server = await startServer();
      const value = await app.predict();
      expect(Math.abs(value - reference[1]!)).toBeLessThanOrEqual(1e-3);
      // A new session needs the (same) public keys uploaded again; no new keys were generated.
      await expect(app.privacyPanel().locator('[data-kind="public-keys"]')).toHaveCount(2);
      await expect(app.privacyPanel().getByTestId('key-fingerprint').getByRole('listitem')).toHaveCount(1);
    });

    await test.step('the encryption worker crashes: restarted, new keys, the prediction works', async () => {
      const fhe = page.workers().find((w) => w.url().includes('fhe.worker'));
      expect(fhe).toBeDefined();
      await fhe!.evaluate(() => setTimeout(() => { throw new Error('simulated crash'); })); // prettier-ignore
      const value = await app.predict(molecules[2]);
      expect(Math.abs(value - reference[2]!)).toBeLessThanOrEqual(1e-3);
      await expect(app.privacyPanel().getByTestId('key-fingerprint').getByRole('listitem')).toHaveCount(2);
    });
  } finally {
    await stopServer(server);
  }
});

test('an unreachable server in Settings is reported, and switching back works', async ({ app, page }) => {
  await app.open();
  await app.tab('Settings');
  await page.getByTestId('server-url').fill('http://127.0.0.1:9');
  await page.getByTestId('server-save').click();
  await app.tab('Predict');
  await expect(page.getByRole('alert')).toHaveText(/Cannot reach the ChemVeil server at http:\/\/127\.0\.0\.1:9/);
  await app.tab('Settings');
  await page.getByRole('button', { name: 'Use this page’s server' }).click();
  await app.tab('Predict');
  await expect(app.modelSelect().locator('option[value="esol"]')).toHaveCount(1);
});
