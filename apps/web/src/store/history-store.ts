import { create } from 'zustand';
import type { SharedResult } from '../features/share/share-link.ts';

const STORAGE_KEY = 'chemveil.history';
const MAX_ENTRIES = 200;

/** A past prediction, in this browser's localStorage only (same shape as a share link's content). */
export type HistoryEntry = SharedResult & { id: string };

function load(): HistoryEntry[] {
  try {
    const entries = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as HistoryEntry[];
    return Array.isArray(entries) ? entries : [];
  } catch {
    return [];
  }
}

interface HistoryState {
  entries: HistoryEntry[];
  add(result: SharedResult): void;
  clear(): void;
}

export const useHistoryStore = create<HistoryState>((set) => ({
  entries: load(),
  add(result) {
    set((state) => {
      const entries = [{ ...result, id: crypto.randomUUID() }, ...state.entries].slice(0, MAX_ENTRIES);
      localStorage.setItem(STORAGE_KEY, JSON.stringify(entries));
      return { entries };
    });
  },
  clear() {
    localStorage.removeItem(STORAGE_KEY);
    set({ entries: [] });
  },
}));
