import { create } from 'zustand';
import { DISPLAY_DECIMALS } from '../features/predict/format.ts';
import {
  encodeShareFragment,
  parseShareFragment,
  unsealShareFragment,
  type SharedResult,
} from '../features/share/share-link.ts';
import {
  plannedSteps,
  predictOne,
  updateSteps,
  type PredictionOutcome,
  type Step,
  type StepReporter,
} from './prediction-store.ts';
import { useModelsStore } from './models-store.ts';
import { useViewStore } from './view-store.ts';

/** Link base: this page without its fragment (the fragment carries the result and is never sent to a server). */
const linkBase = () => location.href.replace(/#.*$/, '');

export async function createShareLink(result: SharedResult, passphrase?: string): Promise<string> {
  return `${linkBase()}#${await encodeShareFragment(result, passphrase || undefined)}`;
}

type Verification =
  | { status: 'idle' }
  | { status: 'running'; steps: Step[] }
  | { status: 'match' | 'differs'; outcome: PredictionOutcome; message: string }
  | { status: 'error'; message: string };

interface ShareState {
  /**
   * 'preview': the recipient sees what the link holds and how it is protected, nothing of its content, until they
   * click (an open link) or unlock it (a sealed one). 'open': the content is shown.
   */
  status: 'none' | 'preview' | 'unlocking' | 'open' | 'error';
  /** Readable by anyone who has the link, or sealed with a passphrase. */
  protection: 'open' | 'sealed' | undefined;
  /** An open link's content, decoded and checked, kept back until `reveal()`; a sealed one's after `unlock()`. */
  result: SharedResult | undefined;
  error: string | undefined;
  payload: string | undefined;
  verification: Verification;
  /** Reads a share link from a location hash into the preview; returns whether it was one. */
  openFromHash(hash: string): boolean;
  /** Shows an open link's content (the recipient's explicit click). */
  reveal(): void;
  unlock(passphrase: string): Promise<void>;
  verify(): Promise<void>;
  close(): void;
}

export const useShareStore = create<ShareState>((set, get) => ({
  status: 'none',
  protection: undefined,
  result: undefined,
  error: undefined,
  payload: undefined,
  verification: { status: 'idle' },
  openFromHash(hash) {
    let parsed;
    try {
      parsed = parseShareFragment(hash);
    } catch (error) {
      set({
        status: 'error',
        error: (error as Error).message,
        protection: undefined,
        result: undefined,
        payload: undefined,
        verification: { status: 'idle' },
      });
      useViewStore.getState().show('shared');
      return true;
    }
    if (!parsed) return false;
    set({
      status: 'preview',
      protection: parsed.kind,
      result: parsed.kind === 'open' ? parsed.result : undefined,
      payload: parsed.kind === 'sealed' ? parsed.payload : undefined,
      error: undefined,
      verification: { status: 'idle' },
    });
    useViewStore.getState().show('shared');
    return true;
  },
  reveal() {
    if (get().status === 'preview' && get().protection === 'open' && get().result) set({ status: 'open' });
  },
  async unlock(passphrase) {
    const payload = get().payload;
    if (!payload || get().protection !== 'sealed') return;
    set({ status: 'unlocking', error: undefined });
    try {
      set({ status: 'open', result: await unsealShareFragment(payload, passphrase) });
    } catch (error) {
      set({ status: 'preview', error: (error as Error).message });
    }
  },
  /** Runs the shared molecule through the same model again, encrypted, with this browser's own keys. */
  async verify() {
    const shared = get().result;
    if (!shared || get().verification.status === 'running') return;
    const models = useModelsStore.getState();
    if (models.status !== 'ready') await models.load();
    const model = useModelsStore.getState().models.find((m) => m.id === shared.model.id);
    if (!model) {
      const why = useModelsStore.getState().error ?? `The server does not offer the model “${shared.model.title}”.`;
      set({ verification: { status: 'error', message: why } });
      return;
    }
    set({ verification: { status: 'running', steps: plannedSteps(model.plan.partitions.length) } });
    const report: StepReporter = (id, patch) =>
      set((state) =>
        state.verification.status === 'running'
          ? { verification: { status: 'running', steps: updateSteps(state.verification.steps, id, patch) } }
          : state,
      );
    try {
      const outcome = await predictOne(shared.molecule, model, report);
      const now = outcome.result;
      // CKKS is approximate: two encryptions of one molecule each land within the engine's 1e-3 of the plaintext
      // value (so within 2e-3 of each other), and the link holds a value rounded to the display.
      const tolerance = 2e-3 + 10 ** -DISPLAY_DECIMALS;
      const sameVersion = (now.model.version ?? '') === (shared.model.version ?? '');
      const same = Math.abs(now.prediction.value - shared.prediction.value) <= tolerance;
      const message = !sameVersion
        ? `The model changed since this link was made (version ${shared.model.version ?? '?'} → ${now.model.version ?? '?'}).`
        : same
          ? 'Verified: an encrypted prediction made just now agrees with the link.'
          : 'The prediction made just now differs from the link: it may have been edited.';
      set({ verification: { status: same && sameVersion ? 'match' : 'differs', outcome, message } });
    } catch (error) {
      set({ verification: { status: 'error', message: error instanceof Error ? error.message : String(error) } });
    }
  },
  close() {
    history.replaceState(null, '', linkBase());
    set({
      status: 'none',
      protection: undefined,
      result: undefined,
      payload: undefined,
      error: undefined,
      verification: { status: 'idle' },
    });
    useViewStore.getState().show('predict');
  },
}));
