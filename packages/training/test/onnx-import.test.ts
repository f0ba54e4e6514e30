// ONNX files really exported by PyTorch (fixtures/onnx/make_fixtures.py), checked against onnxruntime and against
// our float64 forward pass, and through the encrypted engine.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { referenceForward, seededRandom, type OutputHead } from '@chemveil/core';
import { encryptedPredictions, importOnnx, OnnxImportError } from '@chemveil/training';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/onnx/${name}.onnx`, import.meta.url)));
const regression: OutputHead = { kind: 'regression', targets: [{ name: 'y', units: 'u', mean: 0, std: 1 }] };
const twoTasks: OutputHead = {
  kind: 'binary',
  tasks: [
    { name: 'a', positiveLabel: 'yes', negativeLabel: 'no' },
    { name: 'b', positiveLabel: 'yes', negativeLabel: 'no' },
  ],
};

async function onnxRuntime(bytes: Uint8Array, inputs: Float32Array[], dims: number[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const outputs: Float32Array[] = [];
  for (const input of inputs) {
    const result = await session.run({ features: new ort.Tensor('float32', input, [1, ...dims]) });
    outputs.push(result.output.data as Float32Array);
  }
  await session.release();
  return outputs;
}

const random = seededRandom(11);
const inputsOf = (count: number, length: number, density: number) =>
  Array.from({ length: count }, () => Float32Array.from({ length }, () => (random() < density ? 1 : 0)));

describe('ONNX import', () => {
  it('maps Gemm, Mul(x, x) and Pow(x, 2) and matches onnxruntime', async () => {
    const bytes = fixture('mlp');
    const bundle = importOnnx(bytes, { name: 'mlp', featurizer: { nBits: 64 }, head: regression });
    expect(bundle.layers.map((l) => l.kind)).toEqual(['dense', 'square', 'dense', 'square', 'dense']);
    expect(bundle.provenance.producer).toMatch(/pytorch/);
    const inputs = inputsOf(8, 64, 0.3);
    const expected = await onnxRuntime(bytes, inputs, [64]);
    inputs.forEach((x, i) => expect(referenceForward(bundle, x)[0]).toBeCloseTo(expected[i][0], 5));
  });

  it('maps multi-channel Conv, BatchNormalization and the Shape/Gather/Concat chain of .view, and matches onnxruntime', async () => {
    const bytes = fixture('conv');
    const bundle = importOnnx(bytes, { name: 'conv', featurizer: { nBits: 256, layout: '16x16' }, head: twoTasks });
    expect(bundle.inputShape).toEqual([1, 16, 16]);
    expect(bundle.layers.map((l) => l.kind)).toEqual([
      'conv2d', 'square', 'conv2d', 'square', 'flatten', 'dense', 'batchnorm', 'square', 'dense',
    ]); // prettier-ignore
    const inputs = inputsOf(6, 256, 0.2);
    const expected = await onnxRuntime(bytes, inputs, [1, 16, 16]);
    inputs.forEach((x, i) => {
      const ours = referenceForward(bundle, x);
      expect(ours[0]).toBeCloseTo(expected[i][0], 4);
      expect(ours[1]).toBeCloseTo(expected[i][1], 4);
    });
    // And encrypted: the imported conv net through the real engine, within 1e-3 of the plaintext reference.
    const check = await encryptedPredictions(bundle, inputs);
    let worst = 0;
    check.outputs.forEach((raw, m) =>
      referenceForward(bundle, inputs[m]).forEach((y, j) => (worst = Math.max(worst, Math.abs(raw[j] - y)))),
    );
    expect(worst).toBeLessThan(1e-3);
  });

  it('refuses unsupported operators, naming each and where it occurs', () => {
    const run = () => importOnnx(fixture('unsupported'), { name: 'x', featurizer: { nBits: 64 }, head: regression });
    expect(run).toThrow(OnnxImportError);
    expect(run).toThrow(/unsupported ONNX operators: Relu \(node 1 "[^"]+"\), Sigmoid \(node 3 "[^"]+"\)/);
  });

  it('refuses a featurizer spec whose length does not match the model input, and garbage bytes', () => {
    expect(() => importOnnx(fixture('mlp'), { name: 'x', featurizer: { nBits: 1024 }, head: regression })).toThrow(
      'the featurizer spec gives 1024 features but the model reads 64',
    );
    expect(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5]), { name: 'x', featurizer: {}, head: regression })).toThrow(
      OnnxImportError,
    );
  });
});
