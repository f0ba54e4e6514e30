import { create } from 'zustand';
import type { SharedResult } from '../features/share/share-link.ts';

const STORAGE_KEY = 'chemveil.history';
/** 'off' once the chemist turned history off in Settings; absent means on (the default). */
const KEEP_KEY = 'chemveil.history.keep';
const MAX_ENTRIES = 200;

/** A past prediction, in this browser's localStorage only, unencrypted (same shape as a share link's content). */
export type HistoryEntry = SharedResult & { id: string };

function load(): HistoryEntry[] {
  try {
    const entries = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as HistoryEntry[];
    return Array.isArray(entries) ? entries : [];
  } catch {
    return [];
  }
}

function keepStored(): boolean {
  try {
    return localStorage.getItem(KEEP_KEY) !== 'off';
  } catch {
    return true;
  }
}

interface HistoryState {
  entries: HistoryEntry[];
  /** Whether new predictions are written to history (Settings). Off keeps what is there until it is cleared. */
  keep: boolean;
  add(result: SharedResult): void;
  setKeep(keep: boolean): void;
  /** Removes the history from localStorage (and from this page). */
  clear(): void;
}

export const useHistoryStore = create<HistoryState>((set) => ({
  entries: load(),
  keep: keepStored(),
  add(result) {
    // The switch and the list are read from storage, not from memory: another tab of the app may have turned
    // history off or cleared it since this one loaded, and writing this tab's copy back would undo that.
    if (!keepStored()) {
      set({ keep: false, entries: load() });
      return;
    }
    const entries = [{ ...result, id: crypto.randomUUID() }, ...load()].slice(0, MAX_ENTRIES);
    localStorage.setItem(STORAGE_KEY, JSON.stringify(entries));
    set({ entries, keep: true });
  },
  setKeep(keep) {
    if (keep) localStorage.removeItem(KEEP_KEY);
    else localStorage.setItem(KEEP_KEY, 'off');
    set({ keep });
  },
  clear() {
    localStorage.removeItem(STORAGE_KEY);
    set({ entries: [] });
  },
}));

// Other tabs of the app: follow their changes to the switch and the list (the event fires only in other tabs).
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === null || event.key === STORAGE_KEY || event.key === KEEP_KEY)
      useHistoryStore.setState({ entries: load(), keep: keepStored() });
  });
}
