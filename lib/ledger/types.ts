import type { AccountStatus, Currency, RejectionReason } from '../../schemas';
import type {
  AccountEventIgnoredReason,
  DeferralCode,
  Direction,
  MovementKind,
  TransactionStatus,
} from './constants';

/** A customer account as the ledger rules see it. Amounts are bigint minor units. */
export interface AccountState {
  readonly accountId: string;
  readonly customerId: string;
  readonly currency: Currency;
  readonly status: AccountStatus;
  readonly balance: bigint;
  /** Incremented by every change: opening (1), status change, applied movement. */
  readonly version: number;
}

/** A transaction already recorded (applied or rejected), as far as later requests need it. */
export interface RecordedTransaction {
  readonly transactionId: string;
  readonly accountId: string;
  readonly kind: MovementKind;
  readonly status: TransactionStatus;
  readonly amount: bigint;
  readonly currency: Currency;
  readonly transferId: string | null;
  /** How much of it later movements took back: refunds of a topup, the compensation of a debit. */
  readonly reversed: bigint;
}

interface MovementBase {
  readonly transactionId: string;
  readonly accountId: string;
  readonly amount: bigint;
  readonly currency: Currency;
}

/** A requested money movement: the command the movement rules decide. */
export type MovementRequest =
  | (MovementBase & { readonly kind: typeof MovementKind.topup })
  | (MovementBase & { readonly kind: typeof MovementKind.withdrawal })
  | (MovementBase & { readonly kind: typeof MovementKind.refund; readonly originalTransactionId: string })
  | (MovementBase & {
      readonly kind: typeof MovementKind.transferDebit;
      readonly transferId: string;
      readonly counterpartyAccountId: string;
    })
  | (MovementBase & {
      readonly kind: typeof MovementKind.transferCredit;
      readonly transferId: string;
      readonly counterpartyAccountId: string;
    })
  | (MovementBase & {
      readonly kind: typeof MovementKind.transferCompensation;
      readonly transferId: string;
      readonly compensatesTransactionId: string;
    });

/** What the rules need to know to decide a movement. */
export interface MovementState {
  /** The account the movement books on; undefined if it is not (yet) open. */
  readonly account: AccountState | undefined;
  /** A transaction already recorded under the request's transaction id. */
  readonly existing: RecordedTransaction | undefined;
  /** The transaction a refund or compensation refers to, if recorded. */
  readonly original: RecordedTransaction | undefined;
  /**
   * The legs of the transfer a credit or compensation belongs to. A credit without it is treated
   * as one whose debit is not recorded (yet).
   */
  readonly transfer?: TransferLegs;
}

/** What the ledger holds of a transfer's legs: a credit and a compensation are both tied to its debit. */
export interface TransferLegs {
  /** The transfer's debit leg, if recorded (in any status, with what its compensation took back). */
  readonly debit: RecordedTransaction | undefined;
  /** Whether a credit leg of the transfer is applied. */
  readonly credited: boolean;
}

/** One side of a double-entry booking; the entries of a movement sum to zero. */
export interface LedgerEntry {
  /** `customer:<account id>`, `external:<currency>` or `transfers-in-flight:<currency>`. */
  readonly ledgerAccount: string;
  /** The customer account, for customer entries; null for system ledger accounts. */
  readonly accountId: string | null;
  /** Signed minor units: positive raises the ledger account's balance. */
  readonly amount: bigint;
  readonly currency: Currency;
}

/** The outcome of a movement request. */
export type MovementDecision =
  | {
      readonly outcome: 'applied';
      readonly direction: Direction;
      readonly entries: readonly LedgerEntry[];
      readonly balanceAfter: bigint;
    }
  | { readonly outcome: 'rejected'; readonly reason: RejectionReason }
  /** A dependency is missing (the account is not open yet): retry later, do not decide now. */
  | { readonly outcome: 'deferred'; readonly code: DeferralCode; readonly message: string }
  /** The transaction id is already recorded: the request changes nothing. */
  | { readonly outcome: 'duplicate'; readonly previous: RecordedTransaction };

/**
 * What becomes of a deferred movement once its retries have run out: rejected (an outcome, which
 * the saga answers), or parked for a person.
 */
export type OutOfRetriesDecision =
  | { readonly outcome: 'rejected'; readonly reason: RejectionReason }
  | { readonly outcome: 'parked' };

/** What an account event does to the account. */
export type AccountDecision =
  | { readonly outcome: 'opened'; readonly account: AccountState }
  | { readonly outcome: 'statusChanged'; readonly account: AccountState }
  | { readonly outcome: 'ignored'; readonly reason: AccountEventIgnoredReason }
  | { readonly outcome: 'deferred'; readonly code: DeferralCode; readonly message: string };
