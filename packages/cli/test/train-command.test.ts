// `chemveil train` as a real process: a bundle, a report with the encrypted check, and clear errors.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseBundle } from '@chemveil/core';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/chemveil.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chemveil-cli-train-'));
const csv = join(dir, 'solubility.csv');
const molecules = Array.from(
  { length: 80 },
  (_, i) => `${'C'.repeat(1 + (i % 10))}${['O', 'N', 'Cl', 'C(=O)O'][i % 4]}`,
);
writeFileSync(
  csv,
  [
    'id,smiles,logS',
    ...molecules.map((s, i) => `m${i},${s},${(-0.4 * s.length + (i % 3) * 0.1).toFixed(2)}`),
    'bad,C1CC,0',
  ].join('\n'),
);

describe('chemveil train', () => {
  it('writes a valid bundle and a report whose encrypted check meets 1e-3', async () => {
    const output = join(dir, 'model.cvmb');
    const { stdout, stderr } = await run(process.execPath, [
      bin, 'train', '--data', csv, '--target-col', 'logS', '--task', 'regression', '--seed', '3', '--units', 'log mol/L', '-o', output,
    ]); // prettier-ignore
    expect(stdout).toMatch(/80 molecules \(1 rejected\), random split 64\/8\/8, test rmse/);
    expect(stderr).toContain('row 81 skipped (INVALID_SMILES)');
    const bundle = parseBundle(readFileSync(output));
    expect(bundle.head).toMatchObject({ kind: 'regression', targets: [{ name: 'logS', units: 'log mol/L' }] });
    expect(bundle.activationRanges).toHaveLength(bundle.layers.length);
    const report = JSON.parse(readFileSync(`${output}.report.json`, 'utf8'));
    expect(report.encryptedCheck.molecules).toBe(8);
    expect(report.encryptedCheck.maxAbsError).toBeLessThan(1e-3);
    expect(report.learningCurve.length).toBeGreaterThan(0);
    expect(Object.keys(report.testMetrics)).toEqual(['rmse', 'mae', 'r2']);
  });

  it('names the columns when the target column is wrong', async () => {
    await expect(
      run(process.execPath, [
        bin,
        'train',
        '--data',
        csv,
        '--target-col',
        'logP',
        '--task',
        'regression',
        '-o',
        join(dir, 'x.cvmb'),
      ]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no target column "logP"; the columns are: id, smiles, logS'),
    });
  });
});
