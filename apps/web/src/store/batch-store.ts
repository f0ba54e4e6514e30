import { create } from 'zustand';
import { toCsv, type ValidatedRecord } from '@chemveil/featurizer';
import type { ModelSummary } from '@chemveil/core';
import { displayPrediction, type DisplayedPrediction } from '../features/predict/format.ts';
import { featurizerBridge } from '../workers/featurizer-bridge.ts';
import { inference } from './inference.ts';
import { usePrivacyStore } from './privacy-store.ts';

export type BatchRow = ValidatedRecord & { prediction?: DisplayedPrediction; predictionError?: string };
export type SortKey = 'row' | 'name' | 'prediction' | 'status';

interface BatchState {
  status: 'idle' | 'reading' | 'ready' | 'running' | 'done' | 'cancelled' | 'error';
  error: string | undefined;
  fileName: string | undefined;
  columns: string[];
  moleculeColumn: string;
  rows: BatchRow[];
  done: number;
  total: number;
  elapsedMs: number | undefined;
  model: ModelSummary | undefined;
  sort: { key: SortKey; descending: boolean };
  load(file: File): Promise<void>;
  run(model: ModelSummary): Promise<void>;
  cancel(): void;
  sortBy(key: SortKey): void;
}

let controller: AbortController | undefined;

/** Featurizing in chunks keeps the worker responsive to cancel and the progress bar moving. */
const FEATURIZE_CHUNK = 500;
/** Batch requests in flight at once (the server queues at most 256 ciphertexts per session before 429s). */
const REQUESTS_IN_FLIGHT = 4;
/** Smaller requests than the server allows: a finer progress bar and a fuller pipeline, same total work. */
const CIPHERTEXTS_PER_REQUEST = 16;

export const useBatchStore = create<BatchState>((set, get) => ({
  status: 'idle',
  error: undefined,
  fileName: undefined,
  columns: [],
  moleculeColumn: 'smiles',
  rows: [],
  done: 0,
  total: 0,
  elapsedMs: undefined,
  model: undefined,
  sort: { key: 'row', descending: false },
  async load(file) {
    controller?.abort();
    set({
      status: 'reading',
      error: undefined,
      fileName: file.name,
      rows: [],
      done: 0,
      total: 0,
      elapsedMs: undefined,
    });
    try {
      const read = await featurizerBridge.readMoleculeFile(await file.text(), file.name);
      if (!read.ok) {
        set({ status: 'error', error: read.error.message });
        return;
      }
      set({
        status: 'ready',
        rows: read.records,
        columns: read.columns,
        moleculeColumn: read.moleculeColumn,
        total: read.records.filter((r) => r.ok).length,
      });
    } catch (error) {
      set({ status: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  },
  async run(model) {
    const { rows, status } = get();
    if (status === 'running' || rows.length === 0) return;
    controller = new AbortController();
    const signal = controller.signal;
    const started = performance.now();
    const cleared: BatchRow[] = rows.map(({ prediction: _p, predictionError: _e, ...row }) => row as BatchRow);
    const valid = cleared.map((row, index) => ({ row, index })).filter(({ row }) => row.ok);
    set({ status: 'running', error: undefined, rows: cleared, done: 0, total: valid.length, model, elapsedMs: undefined }); // prettier-ignore
    const update = (patches: Map<number, Partial<BatchRow>>, done: number) =>
      set((state) => ({
        rows: state.rows.map((row, i) => (patches.has(i) ? ({ ...row, ...patches.get(i) } as BatchRow) : row)),
        done: state.done + done,
      }));
    try {
      // 1. Features, in chunks; rows the model's featurizer refuses get its error.
      const features: { index: number; vector: Float32Array }[] = [];
      for (let first = 0; first < valid.length; first += FEATURIZE_CHUNK) {
        const chunk = valid.slice(first, first + FEATURIZE_CHUNK);
        const results = await featurizerBridge.featurize(chunk.map(({ row }) => row.molecule), model.featurizer, signal); // prettier-ignore
        const failed = new Map<number, Partial<BatchRow>>();
        results.forEach((result, i) => {
          if (result.ok) features.push({ index: chunk[i]!.index, vector: result.features });
          else failed.set(chunk[i]!.index, { predictionError: result.error.message });
        });
        if (failed.size) update(failed, failed.size);
      }
      // 2. Encrypted predictions, one full request's worth of molecules at a time. Several requests in flight keep
      //    the server's workers busy while this browser encrypts and refreshes the others' ciphertexts.
      const lanes = model.plan.moleculesPerCiphertext;
      const capacity = Math.min(model.limits.maxCiphertextsPerRequest, CIPHERTEXTS_PER_REQUEST) * lanes;
      const chunks: (typeof features)[] = [];
      for (let first = 0; first < features.length; first += capacity) chunks.push(features.slice(first, first + capacity)); // prettier-ignore
      let next = 0;
      const runChunks = async () => {
        while (next < chunks.length && !signal.aborted) {
          const chunk = chunks[next++]!;
          const patches = new Map<number, Partial<BatchRow>>();
          try {
            const { model: used, predictions, fingerprint } = await inference().predict(model, chunk.map((c) => c.vector), { signal }); // prettier-ignore
            usePrivacyStore.getState().addFingerprint(used.title, fingerprint);
            predictions.forEach((p, i) => patches.set(chunk[i]!.index, { prediction: displayPrediction(used, p) }));
          } catch (error) {
            if (signal.aborted) return;
            const message = error instanceof Error ? error.message : String(error);
            chunk.forEach((c) => patches.set(c.index, { predictionError: message }));
          }
          update(patches, chunk.length);
        }
      };
      await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, runChunks));
      set({ status: signal.aborted ? 'cancelled' : 'done', elapsedMs: performance.now() - started });
    } catch (error) {
      set({
        status: signal.aborted ? 'cancelled' : 'error',
        error: signal.aborted ? undefined : error instanceof Error ? error.message : String(error),
        elapsedMs: performance.now() - started,
      });
    }
  },
  cancel() {
    controller?.abort(new DOMException('Cancelled', 'AbortError'));
  },
  sortBy(key) {
    set((state) => ({ sort: { key, descending: state.sort.key === key ? !state.sort.descending : key === 'prediction' } })); // prettier-ignore
  },
}));

/** Rows in the table's order. */
export function sortedRows(rows: BatchRow[], sort: BatchState['sort']): BatchRow[] {
  const value = (row: BatchRow): number | string => {
    if (sort.key === 'row') return row.row;
    if (sort.key === 'name') return row.name ?? '';
    if (sort.key === 'prediction') return row.prediction?.value ?? Number.NEGATIVE_INFINITY;
    return row.ok && !row.predictionError ? (row.prediction ? 2 : 1) : 0;
  };
  const sorted = [...rows].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) || a.row - b.row; // prettier-ignore
  });
  if (sort.descending) sorted.reverse();
  // Rows without a prediction go last whichever way predictions are sorted.
  return sort.key === 'prediction' ? [...sorted.filter((r) => r.prediction), ...sorted.filter((r) => !r.prediction)] : sorted; // prettier-ignore
}

/** The results file: the input's columns, then what the model said (rounded as displayed) or why not. */
export function batchCsv(state: Pick<BatchState, 'rows' | 'columns' | 'moleculeColumn' | 'model'>): string {
  const model = state.model;
  const classifier = model?.task === 'classification';
  const inputColumns = state.columns.includes(state.moleculeColumn) ? state.columns : [state.moleculeColumn, ...state.columns]; // prettier-ignore
  const header = [
    'row',
    ...inputColumns,
    'canonical_smiles',
    'model',
    'model_version',
    classifier
      ? `probability_${model?.classes?.[1] ?? 'positive'}`
      : `prediction${model?.units ? ` (${model.units})` : ''}`,
    classifier ? 'predicted_class' : 'reading',
    'error',
  ];
  const body = state.rows.map((row) => [
    row.row,
    ...inputColumns.map((c) => (c === state.moleculeColumn && state.moleculeColumn !== 'molfile' ? row.molecule : row.fields[c])), // prettier-ignore
    row.ok ? row.canonicalSmiles : '',
    model?.id,
    model?.version,
    row.prediction?.value,
    classifier ? row.prediction?.label : row.prediction?.reading,
    !row.ok ? row.error.message : row.predictionError,
  ]);
  return toCsv(header, body);
}
