import type { ModelCard } from '../bundle/card.ts';
import type { ModelBundle, OutputHead } from '../bundle/types.ts';
import type { FeaturizerSpec } from '../featurizer-spec.ts';
import type { EvaluationPlan } from '../plan/types.ts';

/** Version prefix of every API route. */
export const API_PREFIX = '/v1';
/** Header carrying a query's id from partition 0's reply to the requests for partitions 1, 2, … */
export const QUERY_HEADER = 'chemveil-query';
/**
 * Header carrying the session id on every request of a session. Not in the path: paths reach access logs and
 * proxies' logs, and a session id is what lets its holder run queries on the uploaded keys.
 */
export const SESSION_HEADER = 'chemveil-session';
export const OCTET_STREAM = 'application/octet-stream';

export const apiPaths = {
  models: () => `${API_PREFIX}/models`,
  model: (id: string) => `${API_PREFIX}/models/${encodeURIComponent(id)}`,
  sessions: (id: string) => `${API_PREFIX}/models/${encodeURIComponent(id)}/sessions`,
  /** DELETE with the session in SESSION_HEADER. */
  session: () => `${API_PREFIX}/session`,
  /** POST with the session in SESSION_HEADER. */
  partition: (k: number) => `${API_PREFIX}/partitions/${k}`,
};

/** Sizes the server accepts for one model, derived from its plan (the client can check before uploading). */
export interface UploadLimits {
  /** Expected bytes of the seeded, compressed Galois keys for the plan's steps. */
  evaluationKeyBytes: number;
  /** Key uploads outside [min, max] are refused before SEAL parses them (413 above, 422 below). */
  minEvaluationKeyBytes: number;
  maxEvaluationKeyBytes: number;
  /** Largest SEAL blob a ciphertext can be (uncompressed, size 3, every data prime). */
  maxCiphertextBytes: number;
  maxCiphertextsPerRequest: number;
  /** Largest partition request body: a frame of maxCiphertextsPerRequest fresh ciphertexts. */
  maxRequestBytes: number;
}

/** What `GET /v1/models[/:id]` returns for a model: its card, what the client needs to run it, never weights. */
export interface ModelSummary {
  id: string;
  name: string;
  version?: string;
  title: string;
  description?: string;
  task: 'regression' | 'classification';
  units?: string;
  classes?: string[];
  /** The card's test metrics (mean ± sd over seeds) or, without a card, the bundle's held-out metrics. */
  metrics: Record<string, number | { mean: number; sd: number; seeds: number }>;
  card?: ModelCard;
  /** How the client turns a molecule into the model's input vector. */
  featurizer: FeaturizerSpec;
  /** How the client turns decrypted outputs into predictions. */
  head: OutputHead;
  /** The public evaluation plan: parameters, partitions, rotation steps, layouts. */
  plan: EvaluationPlan;
  limits: UploadLimits;
}

/** Frame header (16 bytes) plus one length word per blob. */
/** A CVW2 frame: 16-byte header, a length per blob, the payloads, a 4-byte CRC-32. */
const frameBytes = (blobs: number, payload: number): number => 16 + 4 * blobs + payload + 4;

export function uploadLimits(plan: EvaluationPlan, maxCiphertextsPerRequest: number): UploadLimits {
  const n = plan.parameters.polyModulusDegree;
  const dataPrimes = plan.parameters.coeffModulusBits.length - 1;
  const expected = plan.estimates.evaluationKeyBytes;
  // SEAL's own header and metadata add well under 4 KiB; zstd never expands random coefficients by more.
  const polynomial = n * dataPrimes * 8;
  const maxCiphertextBytes = 3 * polynomial + 4096;
  const freshCiphertextBytes = 2 * polynomial + 4096;
  return {
    evaluationKeyBytes: expected,
    // Measured keys are within ±10 % of the estimate; a set for another N is 2× off.
    minEvaluationKeyBytes: Math.floor(expected * 0.6),
    maxEvaluationKeyBytes: frameBytes(3, Math.ceil(expected * 1.4) + 65536),
    maxCiphertextBytes,
    maxCiphertextsPerRequest,
    maxRequestBytes: frameBytes(maxCiphertextsPerRequest, maxCiphertextsPerRequest * freshCiphertextBytes),
  };
}

/** The card-level facts of a bundle: from its card, or derived from its head when it has none. */
export function describeModel(
  bundle: ModelBundle,
  id: string,
): Pick<
  ModelSummary,
  'id' | 'name' | 'version' | 'title' | 'description' | 'task' | 'units' | 'classes' | 'metrics' | 'card'
> {
  const card = bundle.card;
  const head = bundle.head;
  const task = card?.task ?? (head.kind === 'regression' ? 'regression' : 'classification');
  const units = card?.units ?? (head.kind === 'regression' ? head.targets[0]?.units : undefined);
  const classes =
    card?.classes ??
    (head.kind === 'binary'
      ? [head.tasks[0]!.negativeLabel, head.tasks[0]!.positiveLabel]
      : head.kind === 'multiclass'
        ? [...head.classes]
        : undefined);
  return {
    id,
    name: bundle.name,
    ...(card ? { version: card.version } : {}),
    title: card?.title ?? bundle.name,
    ...(bundle.description ? { description: bundle.description } : {}),
    task,
    ...(task === 'regression' && units !== undefined ? { units } : {}),
    ...(task === 'classification' && classes ? { classes } : {}),
    metrics: card?.metrics ?? { ...bundle.metrics },
    ...(card ? { card } : {}),
  };
}
