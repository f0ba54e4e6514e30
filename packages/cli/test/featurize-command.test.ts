// The `chemveil featurize` contract external checks rely on, run as a real process through the npm bin.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/chemveil.js', import.meta.url));
const fixtures = new URL('../../featurizer/test/fixtures/', import.meta.url);

async function chemveil(args: string[], stdin?: string) {
  const child = run(process.execPath, [bin, ...args], { maxBuffer: 64 * 2 ** 20 });
  if (stdin !== undefined) {
    child.child.stdin!.end(stdin);
  }
  return child;
}

describe('chemveil featurize', () => {
  it('prints one JSON line per molecule with the documented fields, matching the Python RDKit bits', async () => {
    const { stdout } = await chemveil(['featurize', '-i', fileURLToPath(new URL('reference.smi', fixtures))]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const references = readFileSync(new URL('reference.jsonl', fixtures), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(references.length);
    let same = 0;
    lines.forEach((line, i) => {
      expect(line.input).toBe(references[i].input);
      if (line.ok && line.morganR2_1024 === references[i].morgan_r2_1024_hex) same++;
    });
    expect(same).toBe(424); // the two exceptions are explained in packages/featurizer/test/reference-fixture.test.ts
    expect(Object.keys(lines[0])).toEqual([
      'input',
      'ok',
      'canonicalSmiles',
      'inchiKey',
      'numAtoms',
      'morganR2_1024',
      'parent',
    ]);
  });

  it('reads standard input and reports bad molecules in place, with codes and messages', async () => {
    const { stdout, stderr } = await chemveil(['featurize', '-i', '-'], 'CCO\nCC(C\nc1ccccc1\n');
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.ok)).toEqual([true, false, true]);
    expect(lines[0]).toMatchObject({
      input: 'CCO',
      canonicalSmiles: 'CCO',
      inchiKey: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
      numAtoms: 3,
    });
    expect(lines[0].morganR2_1024).toMatch(/^[0-9a-f]{256}$/);
    expect(lines[1]).toEqual({
      input: 'CC(C',
      ok: false,
      row: 2,
      error: {
        code: 'INVALID_SMILES',
        message: 'SMILES Parse Error: extra open parentheses while parsing: CC(C (at position 3)',
        position: 3,
      },
    });
    expect(stderr).toContain('1 of 3 molecules could not be read');
  });

  it('adds the model input vector when given a spec', async () => {
    const spec = JSON.stringify({ nBits: 64, layout: '8x8' });
    const { stdout } = await chemveil(['featurize', '-i', '-', '--spec', spec], 'c1ccccc1\n');
    const line = JSON.parse(stdout);
    expect(line.features).toHaveLength(64);
    expect(line.features.filter((x: number) => x === 1).length).toBeGreaterThan(0);
  });

  it('fails with a clear message and exit code 2 on a bad spec or a missing file', async () => {
    await expect(
      chemveil(['featurize', '-i', '-', '--spec', '{"nBits":3,"layout":"2x2"}'], 'C\n'),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('invalid --spec: layout 2x2 does not hold 3 bits'),
    });
    await expect(chemveil(['featurize', '-i', '/nonexistent.csv'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot read /nonexistent.csv: ENOENT'),
    });
  });
});
