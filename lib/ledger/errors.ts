/** Base class of every error thrown by the ledger module (rule outcomes are returned, not thrown). */
export class LedgerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerError';
  }
}

/** A ledger invariant would break (entries not summing to zero, a negative balance): a bug. */
export class LedgerInvariantError extends LedgerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerInvariantError';
  }
}
