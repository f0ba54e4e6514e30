/**
 * The model card a bundle carries: what the model predicts and how to read it, the data it learned from, how well
 * it does (over several seeds, and on encrypted predictions), what encryption costs, and where not to trust it.
 * Public: the server lists cards; weights are never listed.
 */
export interface ModelCard {
  /** URL-safe identifier, e.g. "esol" (the server's model id). */
  id: string;
  /** Semantic version of this trained model; clients key caches and share links on id + version. */
  version: string;
  /** What it predicts, in a chemist's words, e.g. "Aqueous solubility (ESOL)". */
  title: string;
  task: 'regression' | 'classification';
  /** Regression: units of the prediction, e.g. "log mol/L". */
  units?: string;
  /** Classification: [negative, positive] class names. */
  classes?: [string, string];
  /** How to read a value, as consecutive bands: the first band whose `below` exceeds the value applies. */
  reading: { below: number | null; label: string }[];
  trainingData: { name: string; molecules: number; source: string; licence: string; split: string };
  /** Held-out test metrics, mean and sample sd over `seeds` trainings with different seeds (plaintext). */
  metrics: Record<string, { mean: number; sd: number; seeds: number }>;
  /** This bundle's own metrics on its test split, computed from encrypted predictions. */
  encryptedTestMetrics?: Record<string, number>;
  /** The test split's true values and encrypted predictions (probabilities for classifiers): parity plots, ROC curves. */
  testSet?: { truth: number[]; predicted: number[] };
  /** Largest |encrypted − plaintext| output seen on the test split. */
  encryptedVsPlainMaxError?: number;
  /** Encryption facts for chemists (filled from the plan and the bench). */
  privacy?: { polyModulusDegree: number; partitions: number; evaluationKeyBytes: number; expectedLatencyMs?: number };
  limitations: string[];
}

/** Plain-language reading of a value from the card's bands. */
export function readValue(card: Pick<ModelCard, 'reading'>, value: number): string | undefined {
  return card.reading.find((band) => band.below === null || value < band.below)?.label;
}
