import { readFileSync, writeFileSync } from 'node:fs';
import { serializeBundle, type OutputHead } from '@chemveil/core';
import { importOnnx, OnnxImportError, type OnnxSidecar } from '@chemveil/training';
import { CliError, parseFlags } from '../cli-error.ts';

/**
 * `chemveil import MODEL.onnx (--sidecar META.json | --name N --spec JSON --task regression|classification
 *  [--units U] [--labels POS,NEG]) -o BUNDLE`: an ONNX model exported from PyTorch becomes a ChemVeil bundle.
 * The sidecar JSON holds { name, featurizer, head, metrics? }.
 */
export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    sidecar: { type: 'string' },
    name: { type: 'string' },
    spec: { type: 'string' },
    task: { type: 'string' },
    units: { type: 'string' },
    labels: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  const [modelPath] = positionals;
  if (!modelPath) throw new CliError('missing MODEL.onnx');
  if (!values.output) throw new CliError('missing -o BUNDLE');
  let sidecar: OnnxSidecar;
  try {
    if (values.sidecar) sidecar = JSON.parse(readFileSync(values.sidecar, 'utf8')) as OnnxSidecar;
    else {
      if (!values.name || !values.spec || !values.task)
        throw new CliError('give --sidecar META.json, or --name, --spec and --task');
      const [positive, negative] = (values.labels ?? 'positive,negative').split(',');
      const head: OutputHead =
        values.task === 'regression'
          ? { kind: 'regression', targets: [{ name: values.name, units: values.units ?? '', mean: 0, std: 1 }] }
          : {
              kind: 'binary',
              tasks: [{ name: values.name, positiveLabel: positive, negativeLabel: negative ?? 'negative' }],
            };
      sidecar = { name: values.name, featurizer: JSON.parse(values.spec), head };
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read the model description: ${(error as Error).message}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(modelPath);
  } catch (error) {
    throw new CliError(`cannot read ${modelPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 1);
  }
  try {
    const bundle = importOnnx(bytes, sidecar);
    writeFileSync(values.output, serializeBundle(bundle));
    process.stdout.write(
      `${bundle.name}: ${bundle.layers.map((l) => l.kind).join(' → ')} (input ${bundle.inputShape.join('×')}) → ${values.output}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof OnnxImportError) throw new CliError(error.message, 1);
    throw error;
  }
}
