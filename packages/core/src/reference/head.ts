import type { OutputHead } from '../bundle/types.ts';

export type Prediction =
  | { kind: 'regression'; values: { name: string; value: number; units: string }[] }
  | { kind: 'binary'; tasks: { name: string; probability: number; label: string }[] }
  | { kind: 'multiclass'; name: string; probabilities: { label: string; probability: number }[]; label: string };

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Turns raw outputs into the user-facing prediction; runs on the client after decryption. */
export function applyOutputHead(head: OutputHead, raw: ArrayLike<number>): Prediction {
  if (head.kind === 'regression') {
    return {
      kind: 'regression',
      values: head.targets.map((t, i) => ({ name: t.name, value: t.mean + t.std * raw[i]!, units: t.units })),
    };
  }
  if (head.kind === 'binary') {
    return {
      kind: 'binary',
      tasks: head.tasks.map((t, i) => {
        const probability = sigmoid(raw[i]!);
        return { name: t.name, probability, label: probability >= 0.5 ? t.positiveLabel : t.negativeLabel };
      }),
    };
  }
  const logits = head.classes.map((_, i) => raw[i]!);
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const probabilities = head.classes.map((label, i) => ({ label, probability: exps[i]! / total }));
  const best = probabilities.reduce((a, b) => (b.probability > a.probability ? b : a));
  return { kind: 'multiclass', name: head.name, probabilities, label: best.label };
}
