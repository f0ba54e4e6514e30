import { ProtocolError } from '@chemveil/core';
import type { ServerConfig } from './env.ts';
import type { EvaluationPool } from './evaluation/pool.ts';
import type { LoadedModel } from './models/registry.ts';
import type { ClientRateLimiter, MoleculeBudget } from './limits/client-limits.ts';
import type { SessionStore } from './sessions/store.ts';

/** Everything the routes share: built in createApp, filled when the models are loaded. */
export interface ServerState {
  config: ServerConfig;
  models: Map<string, LoadedModel>;
  pool: EvaluationPool;
  sessions: SessionStore;
  rateLimiter: ClientRateLimiter;
  moleculeBudget: MoleculeBudget;
  status: 'starting' | 'ok' | 'shutting-down';
  model(id: string): LoadedModel;
}

export function createState(
  config: ServerConfig,
  pool: EvaluationPool,
  sessions: SessionStore,
  rateLimiter: ClientRateLimiter,
  moleculeBudget: MoleculeBudget,
): ServerState {
  const state: ServerState = {
    config,
    models: new Map(),
    pool,
    sessions,
    rateLimiter,
    moleculeBudget,
    status: 'starting',
    model(id) {
      const model = state.models.get(id);
      if (!model) {
        const known = [...state.models.keys()];
        throw new ProtocolError('MODEL_NOT_FOUND', `no model "${id}"; this server has ${known.length ? known.join(', ') : 'none'}`); // prettier-ignore
      }
      return model;
    },
  };
  return state;
}
