/** Base class of every error thrown by the MSK module. */
export class MskError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MskError';
  }
}

/**
 * The Lambda event is not an MSK event (wrong source or shape): the invocation itself is wrong,
 * unlike a bad record, which is returned as a decoding failure. The zod error is the cause.
 */
export class InvalidMskEventError extends MskError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidMskEventError';
  }
}
