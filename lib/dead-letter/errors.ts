/** Base class of every error thrown by the dead-letter module. */
export class DeadLetterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeadLetterError';
  }
}

/** The dead-letter settings in the environment are invalid; names the variable. */
export class DeadLetterConfigError extends DeadLetterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeadLetterConfigError';
  }
}

/** An operator command is malformed or names no letter. */
export class DeadLetterCommandError extends DeadLetterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeadLetterCommandError';
  }
}

/** A re-application found its letter no longer held by its lease (taken over, or closed): it rolls back. */
export class LeaseLostError extends DeadLetterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LeaseLostError';
  }
}
