// Errors thrown by `createFheApi` behind comlink, as its caller needs them: comlink's default keeps only name,
// message and stack, so a ProtocolError's code (which decides "model changed", "busy" …) would be lost on the way.
// This keeps the protocol's errors (and an AbortError) what they were; anything else arrives as comlink sends it.
import { transferHandlers, type TransferHandler } from 'comlink';
import { NetworkError, ProtocolError, isErrorCode } from '@chemveil/core';

interface SerializedError {
  message: string;
  name: string;
  stack?: string;
  code?: string;
  status?: number;
  retryAfterSeconds?: number;
}

/** What crosses the boundary: comlink's own shape `{ isError, value }`, plus the protocol's fields. */
type Thrown = { isError: true; value: SerializedError } | { isError: false; value: unknown };

export function serializeThrown(value: unknown): Thrown {
  if (!(value instanceof Error)) return { isError: false, value };
  const { message, name, stack } = value;
  const serialized: SerializedError = { message, name, ...(stack !== undefined ? { stack } : {}) };
  if (value instanceof ProtocolError)
    Object.assign(serialized, { code: value.code, status: value.status, retryAfterSeconds: value.retryAfterSeconds });
  return { isError: true, value: serialized };
}

export function deserializeThrown(thrown: Thrown): unknown {
  if (!thrown.isError) return thrown.value;
  const { message, name, code, status, retryAfterSeconds } = thrown.value;
  if (name === 'ProtocolError' && isErrorCode(code)) return new ProtocolError(code, message, { status, retryAfterSeconds }); // prettier-ignore
  if (name === 'NetworkError') return new NetworkError(message);
  if (name === 'AbortError') return new DOMException(message, 'AbortError');
  return Object.assign(new Error(message), thrown.value);
}

const comlinkThrowHandler = transferHandlers.get('throw')!;

/** comlink's handler for a thrown value (`{ value }`), keeping the protocol's errors. */
const throwHandler: TransferHandler<{ value: unknown }, Thrown> = {
  canHandle: (value): value is { value: unknown } => comlinkThrowHandler.canHandle(value),
  serialize: ({ value }) => [serializeThrown(value), []],
  deserialize: (thrown) => {
    throw deserializeThrown(thrown);
  },
};

/** Installs the handler on this side of a boundary (the main thread and the FHE worker both do). */
export function keepProtocolErrors(): void {
  transferHandlers.set('throw', throwHandler as TransferHandler<unknown, unknown>);
}
