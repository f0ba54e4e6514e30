import { modelParamsSchema } from '@chemveil/core';
import type { ModelParams, ModelSummary } from '@chemveil/core';
import type { FastifyInstance } from 'fastify';
import type { ServerState } from '../state.ts';

/** GET /v1/models, GET /v1/models/:id: cards, featurizer spec, output head, public plan, upload limits. */
export function registerModelRoutes(app: FastifyInstance, state: ServerState): void {
  app.get('/v1/models', async (): Promise<{ models: ModelSummary[] }> => ({
    models: [...state.models.values()].map((m) => m.summary),
  }));
  app.get<{ Params: ModelParams }>(
    '/v1/models/:id',
    { schema: { params: modelParamsSchema } },
    async (request): Promise<ModelSummary> => state.model(request.params.id).summary,
  );
}
