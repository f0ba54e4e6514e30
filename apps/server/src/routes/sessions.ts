import {
  decodeFrame,
  drawPartitionMasks,
  encodeFrame,
  InvalidFrameError,
  modelParamsSchema,
  moleculesInCiphertext,
  partitionHeadersSchema,
  partitionParamsSchema,
  ProtocolError,
  QUERY_HEADER,
  sealBlobProblem,
  sealInflatedBound,
  SESSION_HEADER,
  sessionCreatedSchema,
  sessionHeadersSchema,
  TOKEN_PATTERN,
} from '@chemveil/core';
import type { Frame, FrameKind, ModelParams, PartitionParams, SessionCreated } from '@chemveil/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Session } from '../sessions/store.ts';
import type { ServerState } from '../state.ts';

declare module 'fastify' {
  interface FastifyRequest {
    chemveilSession?: Session;
  }
}

/** Refuses a body by its declared length before a byte of it is buffered. */
function assertDeclaredLength(request: FastifyRequest, limit: number, what: string): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    throw new ProtocolError('PAYLOAD_TOO_LARGE', `${what} of ${declared} bytes; the limit is ${limit}`);
}

const SESSION_ID = new RegExp(TOKEN_PATTERN);

/** The session a request names in its header (looked up before any body is read). */
function sessionOf(request: FastifyRequest, state: ServerState): Session {
  const sid = request.headers[SESSION_HEADER];
  if (typeof sid !== 'string' || !SESSION_ID.test(sid))
    throw new ProtocolError('BAD_REQUEST', `the ${SESSION_HEADER} header must carry the session id that creating the session returned`); // prettier-ignore
  const session = state.sessions.get(sid);
  // With API tokens a session belongs to the account that opened it: another account's token cannot use it.
  if (session.client.startsWith('account:') && session.client !== request.chemveilClient)
    throw new ProtocolError('SESSION_NOT_FOUND', 'no such session; create one with POST /v1/models/:id/sessions'); // as for any unknown id
  return session;
}

function readFrame(body: unknown, kind: FrameKind, maxBlobs: number): Frame {
  if (!(body instanceof Uint8Array)) throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', 'expected an application/octet-stream body'); // prettier-ignore
  let frame: Frame;
  try {
    frame = decodeFrame(body, maxBlobs);
  } catch (error) {
    if (error instanceof InvalidFrameError) throw new ProtocolError('MALFORMED_FRAME', error.message);
    throw error;
  }
  if (frame.kind !== kind) throw new ProtocolError('MALFORMED_FRAME', `expected a "${kind}" frame, got "${frame.kind}"`); // prettier-ignore
  return frame;
}

/**
 * Sessions and partitions. A session holds one client's evaluation keys for one model; its id travels in the
 * `chemveil-session` header, never in a path (paths reach access logs). A query is one batch of ciphertexts driven
 * through partitions 0, 1, … in order (its id comes back in the `chemveil-query` header of partition 0's reply and
 * goes with every later partition).
 */
export function registerSessionRoutes(app: FastifyInstance, state: ServerState): void {
  const models = () => [...state.models.values()];
  // Route-level ceilings (for bodies without a content-length); the per-model and per-session limits are lower.
  const keyLimit = Math.max(1024, ...models().map((m) => m.summary.limits.maxEvaluationKeyBytes));
  const requestLimit = Math.max(1024, ...models().map((m) => m.summary.limits.maxRequestBytes));

  app.post<{ Params: ModelParams }>(
    '/v1/models/:id/sessions',
    {
      bodyLimit: keyLimit,
      schema: { params: modelParamsSchema, response: { 201: sessionCreatedSchema } },
      onRequest: async (request) => {
        const model = state.model((request.params as ModelParams).id);
        assertDeclaredLength(request, model.summary.limits.maxEvaluationKeyBytes, 'an evaluation-key upload');
      },
    },
    async (request, reply): Promise<SessionCreated> => {
      const model = state.model(request.params.id);
      const limits = model.summary.limits;
      // Galois keys, relinearization keys when the plan squares, and the public key results are re-randomized with.
      const frame = readFrame(request.body, 'evaluation-keys', 3);
      const expectedBlobs = model.plan.relinearizationKeys ? 3 : 2;
      if (frame.blobs.length !== expectedBlobs)
        throw new ProtocolError('MALFORMED_FRAME', `expected ${expectedBlobs} key blobs (Galois keys, ${model.plan.relinearizationKeys ? 'relinearization keys, ' : ''}public key), got ${frame.blobs.length}`); // prettier-ignore
      const galoisKeys = frame.blobs[0]!;
      const relinKeys = model.plan.relinearizationKeys ? frame.blobs[1] : undefined;
      const publicKey = frame.blobs[frame.blobs.length - 1]!;
      // Sizes against the plan before SEAL sees a byte: a key set for other parameters is far off the estimate.
      if (galoisKeys.length < limits.minEvaluationKeyBytes)
        throw new ProtocolError('WRONG_PARAMETERS', `Galois keys of ${galoisKeys.length} bytes; this model's plan needs about ${limits.evaluationKeyBytes}`); // prettier-ignore
      const blobs = [['Galois keys', galoisKeys], ['relinearization keys', relinKeys], ['public key', publicKey]] as const; // prettier-ignore
      for (const [what, blob] of blobs) {
        if (!blob) continue;
        // Keys may be zstd-compressed, and SEAL inflates with no output limit: bound it from the zstd headers first.
        const inflated = sealInflatedBound(blob);
        if ('problem' in inflated) throw new ProtocolError('MALFORMED_KEYS', `${what}: ${inflated.problem}`);
        if (inflated.bytes > 2 * limits.maxEvaluationKeyBytes)
          throw new ProtocolError('PAYLOAD_TOO_LARGE', `${what} would inflate to ${inflated.bytes} bytes; this model's keys take about ${limits.evaluationKeyBytes}`); // prettier-ignore
      }
      // Kept as the client's original seeded bytes: workers load them on first use, and re-saving loses the seeds.
      const keys = { galoisKeys: new Uint8Array(galoisKeys), ...(relinKeys ? { relinKeys: new Uint8Array(relinKeys) } : {}), publicKey: new Uint8Array(publicKey) }; // prettier-ignore
      const session = state.sessions.create(model, keys, request.chemveilClient);
      // Busy while its keys load: a burst of new sessions must not evict one that has not been answered yet.
      session.activeRequests++;
      try {
        await state.pool.openSession(session);
      } catch (error) {
        if (!session.closed) state.sessions.delete(session.id);
        throw error;
      } finally {
        session.activeRequests--;
      }
      reply.code(201);
      return {
        sessionId: session.id,
        modelId: model.id,
        expiresAt: new Date(session.expiresAt).toISOString(),
        ttlSeconds: state.config.sessionTtlSeconds,
        maxCiphertextsPerRequest: limits.maxCiphertextsPerRequest,
        maxRequestBytes: limits.maxRequestBytes,
      };
    },
  );

  app.delete('/v1/session', { schema: { headers: sessionHeadersSchema } }, async (request, reply) => {
    state.sessions.delete(sessionOf(request, state).id);
    return reply.code(204).send();
  });

  app.post<{ Params: PartitionParams; Headers: { [QUERY_HEADER]?: string } }>(
    '/v1/partitions/:k',
    {
      bodyLimit: requestLimit,
      schema: { params: partitionParamsSchema, headers: partitionHeadersSchema },
      // The session is looked up before the body is read: unknown sessions and oversize bodies cost nothing.
      onRequest: async (request) => {
        const session = sessionOf(request, state);
        assertDeclaredLength(request, session.model.summary.limits.maxRequestBytes, 'a partition request');
        request.chemveilSession = session;
      },
    },
    async (request, reply) => {
      const session = request.chemveilSession ?? sessionOf(request, state);
      const { plan, summary } = session.model;
      const k = request.params.k;
      if (k >= plan.partitions.length)
        throw new ProtocolError('PARTITION_NOT_FOUND', `the plan has partitions 0–${plan.partitions.length - 1}`);
      const frame = readFrame(request.body, 'query', summary.limits.maxCiphertextsPerRequest);
      const lanes = plan.moleculesPerCiphertext;
      const count = frame.blobs.length;
      if (frame.partition !== k) throw new ProtocolError('MALFORMED_FRAME', `the frame is for partition ${frame.partition}, the URL for ${k}`); // prettier-ignore
      if (count === 0 || frame.molecules <= (count - 1) * lanes || frame.molecules > count * lanes)
        throw new ProtocolError('MALFORMED_FRAME', `${count} ciphertexts cannot carry ${frame.molecules} molecules (B=${lanes})`); // prettier-ignore
      frame.blobs.forEach((blob, i) => {
        if (blob.length > summary.limits.maxCiphertextBytes)
          throw new ProtocolError('PAYLOAD_TOO_LARGE', `ciphertext ${i} is ${blob.length} bytes; at most ${summary.limits.maxCiphertextBytes}`); // prettier-ignore
        const problem = sealBlobProblem(blob);
        if (problem) throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${i}: ${problem}`);
        // SEAL would inflate a compressed blob with no output limit (a 4 KB upload can ask for gigabytes).
        if (blob[5] !== 0) throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${i} is compressed; send ciphertexts uncompressed`); // prettier-ignore
      });

      const queryId = request.headers[QUERY_HEADER];
      let query;
      if (k === 0) {
        state.moleculeBudget.charge(request.chemveilClient, frame.molecules);
        try {
          query = state.sessions.startQuery(session, count, frame.molecules);
        } catch (error) {
          state.moleculeBudget.refund(request.chemveilClient, frame.molecules);
          throw error;
        }
      } else {
        query = queryId ? session.queries.get(queryId) : undefined;
        if (!query)
          throw new ProtocolError('PARTITION_OUT_OF_ORDER', queryId ? `no query ${queryId} in progress in this session; start at partition 0` : `partition ${k} needs the ${QUERY_HEADER} header from partition 0's reply`); // prettier-ignore
      }
      if (query.busy) throw new ProtocolError('PARTITION_OUT_OF_ORDER', `query ${query.id} already has a partition in progress`); // prettier-ignore
      if (query.nextPartition !== k)
        throw new ProtocolError('PARTITION_OUT_OF_ORDER', query.nextPartition > k ? `partition ${k} of this query was already evaluated (replay)` : `partition ${k} came before partition ${query.nextPartition}`); // prettier-ignore
      if (query.ciphertexts !== count || query.molecules !== frame.molecules)
        throw new ProtocolError('BATCH_MISMATCH', `this query carries ${query.molecules} molecules in ${query.ciphertexts} ciphertexts, not ${frame.molecules} in ${count}`); // prettier-ignore

      query.busy = true;
      session.activeRequests++;
      let results: Uint8Array[];
      try {
        // Blinded refresh: fresh masks for this partition's results (none for the final one), and the previous
        // partition's masks to remove from the refreshed inputs. Kept only once the evaluation succeeded.
        const masks = drawPartitionMasks(plan, k, frame.molecules);
        const blinding = frame.blobs.map((_, g) => ({ molecules: moleculesInCiphertext(plan, frame.molecules, g), mask: masks?.[g], unmask: query.masks?.[g] })); // prettier-ignore
        results = await state.pool.evaluate(session, k, frame.blobs, blinding);
        query.masks = masks;
      } catch (error) {
        // Nothing advanced: the client may retry this partition (e.g. after a 429), at no cost to its budget.
        if (k === 0) {
          session.queries.delete(query.id);
          state.moleculeBudget.refund(request.chemveilClient, frame.molecules);
        }
        throw error;
      } finally {
        query.busy = false;
        session.activeRequests--;
      }
      query.nextPartition = k + 1;
      query.updatedAt = Date.now();
      if (query.nextPartition === plan.partitions.length) session.queries.delete(query.id);
      session.partitionsEvaluated++;
      session.ciphertextsEvaluated += count;
      return reply
        .header(QUERY_HEADER, query.id)
        .type('application/octet-stream')
        .send(Buffer.from(encodeFrame({ kind: 'result', partition: k, molecules: frame.molecules, blobs: results })));
    },
  );

  // Protocol before session ids moved to a header: a clear answer instead of a bare 404, and before any body.
  const gone = async (): Promise<never> => {
    throw new ProtocolError('GONE', `session ids travel in the ${SESSION_HEADER} header now: POST /v1/partitions/:k and DELETE /v1/session (see docs/server.md)`); // prettier-ignore
  };
  app.delete('/v1/sessions/:sid', { onRequest: gone }, gone);
  app.post('/v1/sessions/:sid/partitions/:k', { onRequest: gone }, gone);
}
