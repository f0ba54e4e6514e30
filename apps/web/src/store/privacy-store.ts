import { create } from 'zustand';
import type { RequestEvent } from '@chemveil/core';

export interface LoggedRequest extends RequestEvent {
  id: number;
  at: number;
  server: string;
}

interface PrivacyState {
  requests: LoggedRequest[];
  /** SHA-256 of the public key of each key set made this session, by model title. */
  fingerprints: { model: string; fingerprint: string }[];
  totals: { requests: number; bytesSent: number; publicKeyBytes: number; ciphertextBytes: number };
  record(server: string, event: RequestEvent): void;
  addFingerprint(model: string, fingerprint: string): void;
}

/** The last requests are listed; the totals count all of them. */
const MAX_LISTED = 200;
let nextId = 1;

export const usePrivacyStore = create<PrivacyState>((set) => ({
  requests: [],
  fingerprints: [],
  totals: { requests: 0, bytesSent: 0, publicKeyBytes: 0, ciphertextBytes: 0 },
  record(server, event) {
    set((state) => ({
      requests: [{ ...event, id: nextId++, at: Date.now(), server }, ...state.requests].slice(0, MAX_LISTED),
      totals: {
        requests: state.totals.requests + 1,
        bytesSent: state.totals.bytesSent + event.bytesSent,
        publicKeyBytes: state.totals.publicKeyBytes + (event.kind === 'public-keys' ? event.bytesSent : 0),
        ciphertextBytes: state.totals.ciphertextBytes + (event.kind === 'ciphertext' ? event.bytesSent : 0),
      },
    }));
  },
  addFingerprint(model, fingerprint) {
    set((state) =>
      state.fingerprints.some((f) => f.fingerprint === fingerprint)
        ? state
        : { fingerprints: [...state.fingerprints, { model, fingerprint }] },
    );
  },
}));
