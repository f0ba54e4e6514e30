import type { CiphertextBlinding, EvaluationPlan, SessionKeyBytes } from '@chemveil/core';
import type { ErrorCode } from '@chemveil/core';

/** Main thread → evaluation worker. Binary moves as transferred buffers, never as JSON. */
export type WorkerRequest =
  | { type: 'load-model'; id: number; modelId: string; bundle: Uint8Array; plan: EvaluationPlan }
  | { type: 'plan'; id: number; bundle: Uint8Array; samples: string[]; maskBits?: number }
  | { type: 'open-session'; id: number; sessionId: string; modelId: string; keys: SessionKeyBytes }
  | {
      type: 'evaluate';
      id: number;
      sessionId: string;
      modelId: string;
      partition: number;
      ciphertexts: Uint8Array[];
      /** Sent when this worker has not loaded the session's keys yet (the client's original seeded bytes). */
      keys?: SessionKeyBytes;
      /** Blinded refresh, one per ciphertext: the mask to add to its result and the previous one to remove. */
      blinding?: CiphertextBlinding[];
    }
  /** Answered with WorkerStats, like load-model: the pool recycles a worker whose heap grew and is now unused. */
  | { type: 'drop-session'; id: number; sessionId: string }
  /** Memory facts for diagnostics and the load test: SEAL's WASM heap never shrinks, so growth means a leak. */
  | { type: 'stats'; id: number };

export interface WorkerStats {
  sealHeapBytes: number;
  /** The thread's JavaScript heap in use (bounded by the pool's resourceLimits). */
  jsHeapBytes: number;
  sessions: number;
}

export interface PlanResult {
  plan: EvaluationPlan;
  maxAbsError: number;
  samples: number;
}

export type WorkerReply =
  { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: { code: ErrorCode; message: string } };
