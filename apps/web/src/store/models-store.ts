import { create } from 'zustand';
import type { ModelSummary } from '@chemveil/core';
import { inference } from './inference.ts';

interface ModelsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | undefined;
  models: ModelSummary[];
  selectedId: string | undefined;
  load(): Promise<void>;
  select(id: string): void;
  /** The server sent a newer copy of a model (new version or plan). */
  replace(model: ModelSummary): void;
}

const LAST_MODEL_KEY = 'chemveil.model';

/**
 * Keys for the selected model are generated in the background as soon as the models are listed (in the FHE worker,
 * nothing is sent), so the first prediction does not wait for them. When the chemist picks a model themselves, its
 * public keys are also uploaded (the session opened) right away. A failure here resurfaces, explained, on Predict.
 */
function prepareInBackground(model: ModelSummary | undefined, openSession: boolean): void {
  if (!model) return;
  const ready = openSession ? inference().warmUp(model) : inference().prepareKeys(model);
  ready.catch(() => undefined);
}

export const useModelsStore = create<ModelsState>((set, get) => ({
  status: 'idle',
  error: undefined,
  models: [],
  selectedId: undefined,
  async load() {
    set({ status: 'loading', error: undefined });
    try {
      const models = await inference().listModels();
      const wanted = get().selectedId ?? localStorage.getItem(LAST_MODEL_KEY) ?? undefined;
      const selectedId = models.some((m) => m.id === wanted) ? wanted : models[0]?.id;
      set({ status: 'ready', models, selectedId });
      prepareInBackground(
        models.find((m) => m.id === selectedId),
        false,
      );
    } catch (error) {
      set({ status: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  },
  select(id) {
    localStorage.setItem(LAST_MODEL_KEY, id);
    set({ selectedId: id });
    prepareInBackground(
      get().models.find((m) => m.id === id),
      true,
    );
  },
  replace(model) {
    set((state) => ({ models: state.models.map((m) => (m.id === model.id ? model : m)) }));
  },
}));

export const selectedModel = (state: Pick<ModelsState, 'models' | 'selectedId'>): ModelSummary | undefined =>
  state.models.find((m) => m.id === state.selectedId);
