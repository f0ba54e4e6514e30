/** A SEAL operation failed; `operation` names what we were doing, `message` carries SEAL's own text. */
export class SealOperationError extends Error {
  override name = 'SealOperationError';
  readonly code = 'SEAL_OPERATION_FAILED';
  constructor(
    readonly operation: string,
    message: string,
  ) {
    super(`${operation}: ${message}`);
  }
}

/** A ciphertext or key blob that does not load under this session's parameters. */
export class InvalidCiphertextError extends Error {
  override name = 'InvalidCiphertextError';
  readonly code = 'INVALID_CIPHERTEXT';
}

/** An evaluation key set that is missing a step the plan needs, or does not load. */
export class InvalidEvaluationKeysError extends Error {
  override name = 'InvalidEvaluationKeysError';
  readonly code = 'INVALID_EVALUATION_KEYS';
}

/**
 * node-seal's wrappers already turn C++ exceptions (thrown as pointers into the WASM heap) into Error objects via
 * the module's getException; anything else (a raw number, a WebAssembly.Exception) is normalized here.
 */
export function sealErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'number') return `SEAL exception at 0x${error.toString(16)}`;
  return String(error);
}

export function sealCall<T>(operation: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new SealOperationError(operation, sealErrorMessage(error));
  }
}
