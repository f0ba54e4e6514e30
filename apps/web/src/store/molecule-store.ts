import { create } from 'zustand';
import type { InspectResult } from '@chemveil/featurizer';
import { featurizerBridge } from '../workers/featurizer-bridge.ts';

export type MoleculeStatus = 'empty' | 'checking' | 'valid' | 'invalid';

interface MoleculeState {
  input: string;
  status: MoleculeStatus;
  result: InspectResult | undefined;
  setInput(input: string): void;
}

/** Validation runs live as the chemist types; an answer for an older input is dropped (no flicker, no races). */
let latestRequest = 0;

export const useMoleculeStore = create<MoleculeState>((set) => ({
  input: '',
  status: 'empty',
  result: undefined,
  setInput(input) {
    const request = ++latestRequest;
    if (input.trim() === '') {
      set({ input, status: 'empty', result: undefined });
      return;
    }
    set({ input, status: 'checking' });
    void featurizerBridge.inspect(input, { width: 360, height: 260 }).then(
      (result) => {
        if (request === latestRequest) set({ result, status: result.ok ? 'valid' : 'invalid' });
      },
      (error: unknown) => {
        if (request !== latestRequest) return;
        const message = `The chemistry engine stopped unexpectedly (${error instanceof Error ? error.message : String(error)}). Try again.`;
        set({ status: 'invalid', result: { ok: false, error: { code: 'RDKIT_FAILURE', message } } });
      },
    );
  },
}));
