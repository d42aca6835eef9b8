/** The consumer name of the transfer saga: processed markers, outbox producer, dead-letter handler. */
export const TRANSFER_SAGA = 'transfer-saga';

/** The consumer name of a rebuild's transfer fold (docs/projection.md#rebuild). */
export const TRANSFER_REBUILD = 'transfer-rebuild';

/** Where a transfer stands (the `transfers.status` column). */
export const TransferStatus = {
  /** Received, not yet acted on (never persisted by this code: a request is decided at once). */
  requested: 'requested',
  /** The debit leg is requested on the source account. */
  debiting: 'debiting',
  /** The source is debited (the money is in transfers-in-flight); the credit leg is requested. */
  crediting: 'crediting',
  /** The credit leg was rejected; the debit is being returned to the source. */
  compensating: 'compensating',
  completed: 'completed',
  failed: 'failed',
} as const;
export type TransferStatus = (typeof TransferStatus)[keyof typeof TransferStatus];

/** Statuses in which money may be in flight: what the "pending transfers" query lists. */
export const PENDING_TRANSFER_STATUSES: readonly TransferStatus[] = [
  TransferStatus.requested,
  TransferStatus.debiting,
  TransferStatus.crediting,
  TransferStatus.compensating,
];

/** The legs the saga requests on billing.transaction.events (names of their derived ids). */
export const TransferLeg = {
  debit: 'debit',
  credit: 'credit',
  compensation: 'compensation',
} as const;
export type TransferLeg = (typeof TransferLeg)[keyof typeof TransferLeg];
