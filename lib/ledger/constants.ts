import { TransactionKind } from '../../schemas';
/** The kinds of money movement the ledger books, one per transaction request type. */
/** What a movement request asks for: the contract's TransactionKind, the one list of them. */
export const MovementKind = TransactionKind;
export type MovementKind = TransactionKind;

/** Which way a movement moves the customer's balance. */
export const Direction = {
  credit: 'credit',
  debit: 'debit',
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** What became of a requested movement (stored on the transaction row). */
export const TransactionStatus = {
  applied: 'applied',
  rejected: 'rejected',
} as const;
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];

/**
 * System ledger accounts where money enters or leaves the customers' books, per currency:
 * `external:<currency>` for topups, withdrawals and refunds; `transfers-in-flight:<currency>`
 * between a transfer's debit and credit legs (its balance is the money in flight).
 */
export const SystemLedgerAccount = {
  external: 'external',
  transfersInFlight: 'transfers-in-flight',
} as const;
export type SystemLedgerAccount = (typeof SystemLedgerAccount)[keyof typeof SystemLedgerAccount];

/** Prefix of a customer account's ledger account name: `customer:<account id>`. */
export const CUSTOMER_LEDGER_PREFIX = 'customer';

/** Why a request is deferred rather than decided: a dependency is not there yet (retryable). */
export const DeferralCode = {
  accountNotFound: 'ACCOUNT_NOT_FOUND',
  /** A compensation that would lift the source above the balance bound: due again once it has room. */
  balanceLimitExceeded: 'BALANCE_LIMIT_EXCEEDED',
  /**
   * A transfer credit whose debit leg is not recorded yet: the two legs are on different
   * partitions, consumed independently (a rebuild may read the credit first), so it waits.
   */
  debitNotRecorded: 'DEBIT_NOT_RECORDED',
} as const;
export type DeferralCode = (typeof DeferralCode)[keyof typeof DeferralCode];

/** Why an account event changes nothing (an outcome, not a failure). */
export const AccountEventIgnoredReason = {
  alreadyOpen: 'already_open',
  accountClosed: 'account_closed',
  statusUnchanged: 'status_unchanged',
} as const;
export type AccountEventIgnoredReason =
  (typeof AccountEventIgnoredReason)[keyof typeof AccountEventIgnoredReason];

/** The ledger's consumers of billing topics; each has its own processed markers and outbox rows. */
export const ProjectorName = {
  account: 'account-projector',
  transaction: 'transaction-projector',
  /** A rebuild's: applies billing.transaction.outcomes, decides nothing (docs/projection.md#rebuild). */
  transactionOutcome: 'transaction-outcome-projector',
} as const;
export type ProjectorName = (typeof ProjectorName)[keyof typeof ProjectorName];
