// Batch: a file of 50 molecules (two of them invalid) → per-row validation → encrypted predictions → the CSV
// download matches `chemveil predict` on the same file, row by row, errors included.
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures/test.ts';
import { chemveilPredict, esolSmiles, readCsv } from './fixtures/reference.ts';

test('50 molecules: validate, predict encrypted, sort, download = chemveil predict', async ({ app, audit, page }) => {
  const smiles = esolSmiles(48, 100);
  const rows = [...smiles.slice(0, 20), 'CC(C', ...smiles.slice(20), 'not a molecule'];
  const csv = `name,smiles\n${rows.map((s, i) => `mol-${i + 1},${s}`).join('\n')}\n`;
  audit.watch(...rows);
  const reference = chemveilPredict('esol', csv);

  await app.open();
  await app.tab('Batch');
  await app.chooseModel('esol');
  await page.getByTestId('batch-file-input').setInputFiles({ name: 'fifty.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) }); // prettier-ignore
  await expect(page.getByTestId('batch-summary')).toHaveText(/50 rows, 48 valid, 2 invalid/);
  await expect(page.getByTestId('batch-table').getByRole('row').filter({ hasText: 'SMILES Parse Error' })).toHaveCount(2); // prettier-ignore

  await page.getByTestId('batch-run').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('batch-status')).toHaveText(/^48 \/ 48/);

  await test.step('sort by prediction, descending', async () => {
    await page.getByRole('button', { name: /^Prediction/ }).click();
    await expect(page.getByRole('columnheader', { name: /^Prediction/ })).toHaveAttribute('aria-sort', 'descending');
    const first = page.getByTestId('batch-table').locator('tbody tr').first().locator('td.number');
    const max = Math.max(...reference.flatMap((r) => (r.prediction === undefined ? [] : [r.prediction])));
    expect(Math.abs(Number(await first.textContent()) - max)).toBeLessThanOrEqual(1e-3);
  });
  await page.screenshot({ path: '/tmp/chemveil-batch.png', fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const downloaded = readCsv(readFileSync((await download.path())!, 'utf8'));
  expect(downloaded).toHaveLength(50);
  downloaded.forEach((row, i) => {
    const expected = reference[i]!;
    expect(row.name).toBe(expected.fields.name);
    expect(row.smiles).toBe(expected.fields.smiles);
    const predictionColumn = Object.keys(row).find((k) => k.startsWith('prediction'))!;
    if (expected.prediction === undefined) {
      expect(row[predictionColumn]).toBe('');
      expect(expected.error).toContain(row.error);
    } else {
      expect(row.error).toBe('');
      expect(Math.abs(Number(row[predictionColumn]) - expected.prediction)).toBeLessThanOrEqual(1e-3);
      // Decrypted values leave the browser rounded to the displayed precision.
      expect(row[predictionColumn]).toMatch(/^-?\d+(\.\d{1,4})?$/);
    }
  });
});

test('a file without molecules is refused with a reason', async ({ app, page }) => {
  await app.open();
  await app.tab('Batch');
  await page.getByTestId('batch-file-input').setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') }); // prettier-ignore
  await expect(page.getByRole('alert')).toHaveText(/empty/);
});

test('a running batch can be cancelled', async ({ app, audit, page }) => {
  const smiles = esolSmiles(300, 200);
  audit.watch(...smiles);
  await app.open();
  await app.tab('Batch');
  await app.chooseModel('esol');
  await page.getByTestId('batch-file-input').setInputFiles({ name: 'many.smi', mimeType: 'text/plain', buffer: Buffer.from(smiles.join('\n')) }); // prettier-ignore
  await expect(page.getByTestId('batch-summary')).toHaveText(/300 rows/);
  await page.getByTestId('batch-run').click();
  await page.getByTestId('batch-cancel').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('batch-status')).not.toHaveText(/^300 \/ 300/);
  // The app stays usable: a single prediction right after works.
  await app.tab('Predict');
  const [ethanol] = chemveilPredict('esol', 'smiles\nCCO\n');
  expect(Math.abs((await app.predict('CCO')) - ethanol!.prediction!)).toBeLessThanOrEqual(1e-3);
});
