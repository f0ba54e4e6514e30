// `chemveil serve` + `chemveil query` on a real port against `chemveil predict`, as real processes through the bin.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeBundle, randomDense, seededRandom, serializeBundle } from '@chemveil/core';
import type { ModelBundle, ModelSummary } from '@chemveil/core';
import { parseCsv } from '@chemveil/featurizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/chemveil.js', import.meta.url));
const molecules = fileURLToPath(new URL('fixtures/molecules.csv', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'chemveil-query-'));
const modelsDir = join(root, 'models');
const env = { ...process.env, CHEMVEIL_PLAN_CACHE: join(root, 'plans'), CHEMVEIL_WEB_ROOT: '' };
const poly = { kind: 'poly2', a: 0.125, b: 0.5, c: 0.25 } as const;

/** The zoo's architecture (Morgan 1024 → 64 → act → 32 → act → 1), random weights. */
function solubility(): ModelBundle {
  const random = seededRandom(31);
  const bundle = makeBundle({ name: 'Solubility (test)', inputLength: 1024, layers: [randomDense(1024, 64, random), poly, randomDense(64, 32, random), poly, randomDense(32, 1, random)] }); // prettier-ignore
  return { ...bundle, head: { kind: 'regression', targets: [{ name: 'logS', units: 'log mol/L', mean: -3, std: 2 }] }, metrics: { rmse: 0.9 } }; // prettier-ignore
}

function permeability(): ModelBundle {
  const random = seededRandom(32);
  const bundle = makeBundle({
    name: 'BBB (test)',
    inputLength: 256,
    layers: [randomDense(256, 16, random), poly, randomDense(16, 1, random)],
    head: { kind: 'binary', tasks: [{ name: 'bbbp', positiveLabel: 'permeable', negativeLabel: 'not permeable' }] },
  });
  const card = {
    id: 'bbbp',
    version: '0.1.0',
    title: 'Blood–brain barrier permeability (test)',
    task: 'classification' as const,
    classes: ['not permeable', 'permeable'] as [string, string],
    reading: [{ below: null, label: 'any' }],
    trainingData: { name: 'none', molecules: 0, source: 'random', licence: 'MIT', split: 'none' },
    metrics: { auc: { mean: 0.5, sd: 0.01, seeds: 3 } },
    limitations: [],
  };
  return { ...bundle, card };
}

let server: ChildProcess;
let url: string;

beforeAll(async () => {
  mkdirSync(modelsDir);
  writeFileSync(join(modelsDir, 'solubility.cvmb'), serializeBundle(solubility()));
  writeFileSync(join(modelsDir, 'bbb.cvmb'), serializeBundle(permeability()));
  server = spawn(process.execPath, [bin, 'serve', '--models', modelsDir, '--port', '0', '--workers', '2'], { env });
  url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
});

afterAll(() => {
  server?.kill('SIGTERM');
});

const chemveil = (args: string[]) => run(process.execPath, [bin, ...args], { env, maxBuffer: 64 * 2 ** 20 });

function readOutput(path: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.map((row) => Object.fromEntries(header!.cells.map((h, i) => [h, row.cells[i] ?? ''])));
}

describe('chemveil serve, models, query and predict', () => {
  it('lists the models with their cards as JSON', async () => {
    const { stdout } = await chemveil(['models', '--server', url, '--json']);
    const models = JSON.parse(stdout);
    expect(models.map((m: { id: string }) => m.id)).toEqual(['bbbp', 'solubility']);
    expect(models[0]).toMatchObject({ id: 'bbbp', task: 'classification', classes: ['not permeable', 'permeable'], metrics: { auc: { mean: 0.5 } } }); // prettier-ignore
    expect(models[1]).toMatchObject({ id: 'solubility', name: 'Solubility (test)', task: 'regression', units: 'log mol/L', metrics: { rmse: 0.9 } }); // prettier-ignore
    // Model privacy as the served plans state it, in both forms.
    const served = (await (await fetch(`${url}/v1/models`)).json()) as { models: ModelSummary[] };
    const maskBits = served.models.map((m) => m.plan.blinding?.maskBits ?? 0);
    expect(models.map((m: { encryption: { maskBits: number } }) => m.encryption.maskBits)).toEqual(maskBits);
    const text = await chemveil(['models', '--server', url]);
    expect(text.stdout).toContain('solubility  Solubility (test)');
    expect(text.stdout).toContain(maskBits[1] ? `intermediates masked (${maskBits[1]} bits)` : 'intermediates NOT masked'); // prettier-ignore
  });

  for (const id of ['solubility', 'bbbp']) {
    it(`query (encrypted) equals predict (plaintext) within 1e-3 on every row: ${id}`, async () => {
      const encrypted = join(root, `${id}-query.csv`);
      const plain = join(root, `${id}-predict.csv`);
      const query = await chemveil(['query', '--server', url, '--model', id, '-i', molecules, '-o', encrypted]);
      await chemveil(['predict', '--models', modelsDir, '--model', id, '-i', molecules, '-o', plain]);
      expect(query.stderr).toMatch(/21 of 24 molecules predicted under encryption/);
      const a = readOutput(encrypted);
      const b = readOutput(plain);
      const columns = id === 'bbbp' ? ['prediction', 'probability', 'class', 'error'] : ['prediction', 'error'];
      expect(Object.keys(a[0]!)).toEqual(['name', 'smiles', 'measured', ...columns]);
      expect(a).toHaveLength(24);
      expect(a.map((r) => r.name)).toEqual(b.map((r) => r.name));
      a.forEach((row, i) => {
        expect(row.error).toBe(b[i]!.error);
        if (row.error) return expect(row.prediction).toBe('');
        expect(Math.abs(Number(row.prediction) - Number(b[i]!.prediction))).toBeLessThan(1e-3);
        if (id === 'bbbp') expect(Math.abs(Number(row.probability) - Number(b[i]!.probability))).toBeLessThan(1e-3);
      });
      // Invalid rows are reported in place, with the featurizer's code and message.
      expect(a[5]).toMatchObject({ name: 'not a molecule', error: expect.stringMatching(/^INVALID_SMILES: SMILES Parse Error/) }); // prettier-ignore
      expect(a[10]!.error).toMatch(/^INVALID_SMILES/);
      expect(a[21]!.error).toMatch(/^EMPTY_INPUT/);
      expect(a[4]!.name).toBe('naproxen, (S)');
    });
  }

  it('fails cleanly for an unknown model or an unreachable server', async () => {
    const unknown = await chemveil(['query', '--server', url, '--model', 'esol', '-i', molecules, '-o', '-']).catch((e) => e); // prettier-ignore
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('MODEL_NOT_FOUND: no model "esol"; this server has bbbp, solubility');
    const down = await chemveil(['models', '--server', 'http://127.0.0.1:9']).catch((e) => e);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the server at http://127.0.0.1:9');
  });
});
