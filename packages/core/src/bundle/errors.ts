/** A model bundle that cannot be read or does not describe a valid network. */
export class InvalidBundleError extends Error {
  override name = 'InvalidBundleError';
  readonly code = 'INVALID_BUNDLE';
}
