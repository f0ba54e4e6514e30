/**
 * The wire protocol's error codes and their HTTP statuses. The server answers every failure with
 * `{ error: { code, message } }`; clients branch on `code`, never on the message.
 */
export const ERROR_STATUS = {
  /** The request does not match the route's schema (bad id, bad partition number, bad header). */
  BAD_REQUEST: 400,
  /** The body is not a ChemVeil frame, or the frame does not fit the route (kind, partition, counts). */
  MALFORMED_FRAME: 400,
  /** A blob where a ciphertext should be is not a SEAL object, or does not decompress. */
  MALFORMED_CIPHERTEXT: 400,
  /** The evaluation-key blob is not a SEAL object, or does not decompress. */
  MALFORMED_KEYS: 400,
  /** This server requires an API token (`Authorization: Bearer …`) and the request had none, or an unknown one. */
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  /** No such session (never created, deleted, or forgotten): create a new one and start over at partition 0. */
  SESSION_NOT_FOUND: 404,
  /** The session timed out or was evicted under memory pressure: create a new one and start over. */
  SESSION_EXPIRED: 404,
  PARTITION_NOT_FOUND: 404,
  /** Partition k arrived before k − 1 finished for this query, twice (a replay), or without its query id. */
  PARTITION_OUT_OF_ORDER: 409,
  /** A ciphertext at the wrong level, scale or size for this partition (e.g. a result sent back unrefreshed). */
  WRONG_LEVEL: 409,
  /** A partition's ciphertext or molecule count differs from the previous partition's of the same query. */
  BATCH_MISMATCH: 409,
  /** A route of an older protocol version (session ids in the path): the message names the current one. */
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Keys or ciphertexts made for other encryption parameters than this model's plan. */
  WRONG_PARAMETERS: 422,
  /** Evaluation keys that load but lack a rotation step the plan needs. */
  INVALID_EVALUATION_KEYS: 422,
  /** Too many sessions or queued ciphertexts: retry after `Retry-After` seconds. */
  OVER_CAPACITY: 429,
  /**
   * This client's molecule budget (per day) is spent: `Retry-After` says when enough of it is back. Not worth an
   * automatic retry; it prices model extraction by many queries.
   */
  BUDGET_EXHAUSTED: 429,
  INTERNAL: 500,
  /** Reserved: the server is up but its models are not loaded yet (today it only listens once they are). */
  NOT_READY: 503,
  SHUTTING_DOWN: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && code in ERROR_STATUS;

/** A protocol-level failure: thrown by the server's routes (mapped by its one error handler) and by the client. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.status = options.status ?? ERROR_STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  readonly retryAfterSeconds: number | undefined;

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The session is gone (unknown, expired, evicted): the client re-creates it and restarts the query. */
export const isSessionGone = (error: unknown): boolean =>
  error instanceof ProtocolError && (error.code === 'SESSION_NOT_FOUND' || error.code === 'SESSION_EXPIRED');

/** The server could not be reached, or answered with something that is not the protocol. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  readonly code = 'NETWORK';
}
