import { ChemVeilHttpClient, NetworkError, ProtocolError } from '@chemveil/core';
import type { ModelSummary } from '@chemveil/core';
import { CliError, parseFlags } from '../cli-error.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

/** Protocol and network failures as one-line CLI errors (exit code 1). */
export function serverFailure(server: string, error: unknown): never {
  if (error instanceof NetworkError) throw new CliError(`cannot reach the server at ${server}: ${error.message}`, 1);
  if (error instanceof ProtocolError) throw new CliError(`${error.code}: ${error.message}`, 1);
  throw error;
}

const metricText = (value: ModelSummary['metrics'][string]): string =>
  typeof value === 'number' ? value.toFixed(3) : `${value.mean.toFixed(3)} ± ${value.sd.toFixed(3)}`;

/** `chemveil models [--server URL] [--json]`: the server's models with their cards. */
export async function modelsCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    server: { type: 'string', default: process.env.CHEMVEIL_SERVER ?? DEFAULT_SERVER },
    json: { type: 'boolean' },
    token: { type: 'string', default: process.env.CHEMVEIL_TOKEN },
  });
  const server = values.server!;
  const models = await new ChemVeilHttpClient(server, { token: values.token })
    .listModels()
    .catch((error) => serverFailure(server, error));
  if (values.json) {
    const rows = models.map((m) => ({
      id: m.id,
      name: m.name,
      title: m.title,
      ...(m.version ? { version: m.version } : {}),
      task: m.task,
      ...(m.units !== undefined ? { units: m.units } : {}),
      ...(m.classes ? { classes: m.classes } : {}),
      metrics: m.metrics,
      ...(m.card ? { card: m.card } : {}),
      encryption: {
        polyModulusDegree: m.plan.parameters.polyModulusDegree,
        coeffModulusBits: m.plan.parameters.coeffModulusBits,
        partitions: m.plan.partitions.length,
        moleculesPerCiphertext: m.plan.moleculesPerCiphertext,
        evaluationKeyBytes: m.limits.evaluationKeyBytes,
        // Model privacy: the mask strength on the intermediates this client decrypts (0: not blinded).
        maskBits: m.plan.blinding?.maskBits ?? 0,
      },
    }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  if (models.length === 0) {
    process.stdout.write(`${server} serves no models\n`);
    return 0;
  }
  for (const m of models) {
    const what = m.task === 'regression' ? `regression${m.units ? ` (${m.units})` : ''}` : `classification (${(m.classes ?? []).join(' / ')})`; // prettier-ignore
    const metrics = Object.entries(m.metrics).map(([k, v]) => `${k} ${metricText(v)}`);
    process.stdout.write(
      `${m.id}${m.version ? ` v${m.version}` : ''}  ${m.title}\n` +
        `  ${what}; ${metrics.length ? metrics.join(', ') : 'no metrics'}\n` +
        `  CKKS N=${m.plan.parameters.polyModulusDegree}, ${m.plan.partitions.length} partitions, ` +
        `${m.plan.moleculesPerCiphertext} molecules/ciphertext, keys ${(m.limits.evaluationKeyBytes / 1e6).toFixed(1)} MB, ` +
        `${m.plan.partitions.length < 2 ? 'no intermediates' : m.plan.blinding ? `intermediates masked (${m.plan.blinding.maskBits} bits)` : 'intermediates NOT masked'}\n`,
    );
  }
  return 0;
}
