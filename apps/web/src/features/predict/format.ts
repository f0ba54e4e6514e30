// How predictions are shown and what leaves the browser: one precision for the screen, share links and CSV files
// (decrypted values are rounded to what is displayed before they go anywhere).
import { readValue, type ModelSummary, type Prediction } from '@chemveil/core';

/** Decimals shown for a regression value or a probability; also the precision of shared and downloaded values. */
export const DISPLAY_DECIMALS = 4;

export const roundForDisplay = (value: number): number => Number(value.toFixed(DISPLAY_DECIMALS));

/** Minus sign, not hyphen, in numbers a chemist reads. */
export const formatNumber = (value: number, decimals = DISPLAY_DECIMALS): string =>
  value.toFixed(decimals).replace(/^-/, '−');

/** A prediction reduced to what the app shows: one number (the value, or the probability of the positive class). */
export interface DisplayedPrediction {
  kind: 'regression' | 'classification';
  /** Rounded to DISPLAY_DECIMALS. */
  value: number;
  units?: string;
  /** Classifiers: the predicted class. */
  label?: string;
  /** Classifiers: what `value` is the probability of. */
  positiveClass?: string;
  /** The card's plain-language band, e.g. "moderately soluble". */
  reading?: string;
}

export function displayPrediction(model: ModelSummary, prediction: Prediction): DisplayedPrediction {
  const card = model.card;
  if (prediction.kind === 'regression') {
    const target = prediction.values[0]!;
    const value = roundForDisplay(target.value);
    const units = model.units ?? target.units;
    return { kind: 'regression', value, ...(units ? { units } : {}), ...reading(card, value) };
  }
  if (prediction.kind === 'binary') {
    const task = prediction.tasks[0]!;
    const value = roundForDisplay(task.probability);
    const classes = model.classes;
    const positiveClass = classes?.[1] ?? 'positive';
    const label = classes ? (task.probability >= 0.5 ? classes[1]! : classes[0]!) : task.label;
    return { kind: 'classification', value, label, positiveClass, ...reading(card, value) };
  }
  const best = prediction.probabilities.find((p) => p.label === prediction.label)!;
  const value = roundForDisplay(best.probability);
  return { kind: 'classification', value, label: prediction.label, positiveClass: prediction.label, ...reading(card, value) }; // prettier-ignore
}

function reading(card: ModelSummary['card'], value: number): { reading?: string } {
  const label = card ? readValue(card, value) : undefined;
  return label ? { reading: label } : {};
}

/** "log S −3.1 log mol/L: moderately soluble" style sentence. */
export function plainReading(shown: DisplayedPrediction): string {
  if (shown.kind === 'regression') {
    const head = `${formatNumber(shown.value, 1)}${shown.units ? ` ${shown.units}` : ''}`;
    return shown.reading ? `${head}: ${shown.reading}` : head;
  }
  const percent = `${Math.round(shown.value * 100)} % probability of ${shown.positiveClass}`;
  return shown.reading ? `${percent}: ${shown.reading}` : `${percent} (predicted ${shown.label})`;
}

export const formatBytes = (bytes: number): string =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;

export const formatMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
