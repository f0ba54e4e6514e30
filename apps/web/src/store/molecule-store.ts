import { create } from 'zustand';
import type { InspectResult } from '@chemveil/featurizer';
import { featurizerBridge } from '../workers/featurizer-bridge.ts';

export type MoleculeStatus = 'empty' | 'checking' | 'valid' | 'invalid';
/** Where the current input came from: the editor only gets text pushed into it when the change was not its own. */
export type InputSource = 'text' | 'editor' | 'example' | 'link';

interface MoleculeState {
  input: string;
  source: InputSource;
  status: MoleculeStatus;
  result: InspectResult | undefined;
  setInput(input: string, source?: InputSource): void;
}

/** Validation runs live as the chemist types; an answer for an older input is dropped (no flicker, no races). */
let latestRequest = 0;

export const useMoleculeStore = create<MoleculeState>((set) => ({
  input: '',
  source: 'text',
  status: 'empty',
  result: undefined,
  setInput(input, source = 'text') {
    const request = ++latestRequest;
    if (input.trim() === '') {
      set({ input, source, status: 'empty', result: undefined });
      return;
    }
    set({ input, source, status: 'checking' });
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
