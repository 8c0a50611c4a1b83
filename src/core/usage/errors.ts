/** Why stored usage data could not be used. */
export type InvalidUsageReason = 'syntax' | 'version' | 'shape';

/** Stored usage data (the ledger file or a part of it) is damaged, truncated or of an unknown version. */
export class InvalidUsageDataError extends Error {
  override readonly name = 'InvalidUsageDataError';

  constructor(
    readonly reason: InvalidUsageReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }

  static is(value: unknown): value is InvalidUsageDataError {
    return value instanceof InvalidUsageDataError;
  }
}
