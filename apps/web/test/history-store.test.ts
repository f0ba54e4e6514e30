// @vitest-environment happy-dom
// The history store against a real Web Storage (happy-dom's localStorage); each test loads the store afresh, as a
// page load would.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SharedResult } from '../src/features/share/share-link.ts';
import { aspirin } from './shared-results.ts';

const caffeine: SharedResult = { ...aspirin, molecule: 'Cn1cnc2c1c(=O)n(C)c(=O)n2C', date: '2026-01-02T00:00:00.000Z' };

async function loadStore() {
  vi.resetModules();
  return (await import('../src/store/history-store.ts')).useHistoryStore;
}
const stored = () => JSON.parse(localStorage.getItem('chemveil.history') ?? 'null') as SharedResult[] | null;

beforeEach(() => localStorage.clear());

describe('history store', () => {
  it('keeps predictions by default, newest first, in localStorage', async () => {
    const history = await loadStore();
    expect(history.getState().keep).toBe(true);
    history.getState().add(aspirin);
    history.getState().add(caffeine);
    expect(stored()?.map((e) => e.molecule)).toEqual([caffeine.molecule, aspirin.molecule]);
    expect((await loadStore()).getState().entries.map((e) => e.molecule)).toEqual([caffeine.molecule, aspirin.molecule]); // prettier-ignore
  });

  it('writes nothing while the switch is off, keeps the old entries until cleared, and remembers the switch', async () => {
    let history = await loadStore();
    history.getState().add(aspirin);
    history.getState().setKeep(false);
    expect(localStorage.getItem('chemveil.history.keep')).toBe('off');
    const before = localStorage.getItem('chemveil.history');
    history.getState().add(caffeine);
    expect(localStorage.getItem('chemveil.history')).toBe(before);
    expect(history.getState().entries.map((e) => e.molecule)).toEqual([aspirin.molecule]);

    history = await loadStore(); // a reload: still off, the old entry still there
    expect(history.getState().keep).toBe(false);
    expect(history.getState().entries).toHaveLength(1);
    history.getState().add(caffeine);
    expect(stored()?.map((e) => e.molecule)).toEqual([aspirin.molecule]);

    history.getState().clear();
    expect(localStorage.getItem('chemveil.history')).toBeNull();
    expect(history.getState().entries).toEqual([]);
    expect(localStorage.getItem('chemveil.history.keep')).toBe('off');

    history.getState().setKeep(true);
    expect(localStorage.getItem('chemveil.history.keep')).toBeNull();
    history.getState().add(caffeine);
    expect(stored()?.map((e) => e.molecule)).toEqual([caffeine.molecule]);
  });

  it('does not write back a history that another tab cleared or turned off', async () => {
    const history = await loadStore();
    history.getState().add(aspirin);
    // Another tab (same localStorage) clears the history: this tab's next prediction must not restore aspirin.
    localStorage.removeItem('chemveil.history');
    history.getState().add(caffeine);
    expect(stored()?.map((e) => e.molecule)).toEqual([caffeine.molecule]);
    // Another tab turns history off: this tab, which loaded while it was on, writes nothing more.
    localStorage.setItem('chemveil.history.keep', 'off');
    history.getState().add(aspirin);
    expect(stored()?.map((e) => e.molecule)).toEqual([caffeine.molecule]);
    expect(history.getState().keep).toBe(false);
  });
});
