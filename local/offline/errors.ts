/** Base error of the offline MSK emulator. */
export class MskOfflineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MskOfflineError';
  }
}

/** A trigger's settings in serverless.yml cannot be emulated. */
export class MskOfflineConfigError extends MskOfflineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MskOfflineConfigError';
  }
}

/** serverless-offline did not answer an invocation (not a function error: the call is repeated). */
export class InvokeUnavailableError extends MskOfflineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvokeUnavailableError';
  }
}
