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
const onnx = (name: string) =>
  fileURLToPath(new URL(`../../training/test/fixtures/onnx/${name}.onnx`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chemveil-cli-import-'));

describe('chemveil import', () => {
  it('converts a PyTorch ONNX export with a sidecar', async () => {
    const sidecar = join(dir, 'conv.json');
    const head = {
      kind: 'binary',
      tasks: ['a', 'b'].map((name) => ({ name, positiveLabel: 'yes', negativeLabel: 'no' })),
    };
    writeFileSync(sidecar, JSON.stringify({ name: 'Conv demo', featurizer: { nBits: 256, layout: '16x16' }, head }));
    const output = join(dir, 'conv.cvmb');
    const { stdout } = await run(process.execPath, [bin, 'import', onnx('conv'), '--sidecar', sidecar, '-o', output]);
    expect(stdout).toContain(
      'Conv demo: conv2d → square → conv2d → square → flatten → dense → batchnorm → square → dense',
    );
    expect(parseBundle(readFileSync(output)).head).toEqual(head);
  });

  it('converts with command-line flags', async () => {
    const output = join(dir, 'mlp.cvmb');
    await run(process.execPath, [bin, 'import', onnx('mlp'), '--name', 'logS', '--spec', '{"nBits":64}', '--task', 'regression', '--units', 'log mol/L', '-o', output]); // prettier-ignore
    expect(parseBundle(readFileSync(output)).head).toMatchObject({
      kind: 'regression',
      targets: [{ units: 'log mol/L' }],
    });
  });

  it('lists unsupported operators and fails', async () => {
    await expect(
      run(process.execPath, [bin, 'import', onnx('unsupported'), '--name', 'x', '--spec', '{"nBits":64}', '--task', 'regression', '-o', join(dir, 'x.cvmb')]), // prettier-ignore
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unsupported ONNX operators: Relu .*Sigmoid/) });
  });
});
