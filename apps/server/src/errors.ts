import { ProtocolError } from '@chemveil/core';
import type { ErrorCode } from '@chemveil/core';
import type { FastifyError, FastifyInstance } from 'fastify';

/** Fastify's own failures, mapped onto the protocol's codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

/**
 * The one error handler: every failure becomes `{ error: { code, message } }` with the code's status. Messages of
 * unexpected errors are logged, never sent; nothing logged carries request bodies (keys, ciphertexts).
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ProtocolError, request, reply) => {
    let problem: ProtocolError;
    if (error instanceof ProtocolError) problem = error;
    else if ((error as FastifyError).validation) problem = new ProtocolError('BAD_REQUEST', error.message);
    else if (error.code && FASTIFY_CODES[error.code])
      problem = new ProtocolError(FASTIFY_CODES[error.code]!, error.message); // prettier-ignore
    else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500)
      problem = new ProtocolError('BAD_REQUEST', error.message, { status: (error as FastifyError).statusCode });
    else {
      request.log.error({ err: { name: error.name, message: error.message, stack: error.stack } }, 'request failed');
      problem = new ProtocolError('INTERNAL', 'internal server error');
    }
    if (problem.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="chemveil"');
    if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
    // The body may not have been read (an early 413/404): do not keep the connection for the rest of it.
    if (problem.status === 413) reply.header('connection', 'close');
    return reply.code(problem.status).type('application/json').send(problem.toBody());
  });
  app.setNotFoundHandler(
    (request, reply) =>
    reply.code(404).send(new ProtocolError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toBody()), // prettier-ignore
  );
}
