import { AccountStatus, MAX_MINOR_UNITS, RejectionReason } from '../../schemas';
import {
  CUSTOMER_LEDGER_PREFIX,
  DeferralCode,
  Direction,
  MovementKind,
  SystemLedgerAccount,
  TransactionStatus,
} from './constants';
import { LedgerInvariantError } from './errors';
import type {
  AccountState,
  LedgerEntry,
  MovementDecision,
  MovementRequest,
  MovementState,
  OutOfRetriesDecision,
  RecordedTransaction,
  TransferLegs,
} from './types';

/** The ledger account name of a customer account. */
export const customerLedgerAccount = (accountId: string): string => `${CUSTOMER_LEDGER_PREFIX}:${accountId}`;

/** The ledger account name of a system account in a currency, e.g. `external:EUR`. */
export const systemLedgerAccount = (account: SystemLedgerAccount, currency: string): string =>
  `${account}:${currency}`;

/** Which way a movement kind moves the customer's balance. */
export function directionOf(kind: MovementKind): Direction {
  switch (kind) {
    case MovementKind.topup:
    case MovementKind.transferCredit:
    case MovementKind.transferCompensation:
      return Direction.credit;
    case MovementKind.withdrawal:
    case MovementKind.refund:
    case MovementKind.transferDebit:
      return Direction.debit;
    default: {
      const unknown: never = kind;
      throw new LedgerInvariantError(`Unknown movement kind ${String(unknown)}`);
    }
  }
}

/** The system account on the other side of a movement: outside world, or money in flight. */
export function counterpartOf(kind: MovementKind): SystemLedgerAccount {
  switch (kind) {
    case MovementKind.topup:
    case MovementKind.withdrawal:
    case MovementKind.refund:
      return SystemLedgerAccount.external;
    case MovementKind.transferDebit:
    case MovementKind.transferCredit:
    case MovementKind.transferCompensation:
      return SystemLedgerAccount.transfersInFlight;
    default: {
      const unknown: never = kind;
      throw new LedgerInvariantError(`Unknown movement kind ${String(unknown)}`);
    }
  }
}

/** The two entries of a movement: the customer side and its system counterpart, summing to zero. */
export function entriesOf(request: MovementRequest): LedgerEntry[] {
  const signed = directionOf(request.kind) === Direction.credit ? request.amount : -request.amount;
  return [
    {
      ledgerAccount: customerLedgerAccount(request.accountId),
      accountId: request.accountId,
      amount: signed,
      currency: request.currency,
    },
    {
      ledgerAccount: systemLedgerAccount(counterpartOf(request.kind), request.currency),
      accountId: null,
      amount: -signed,
      currency: request.currency,
    },
  ];
}

const rejected = (reason: RejectionReason): MovementDecision => ({ outcome: 'rejected', reason });

/** Whether `original` is what a refund of `request` may take money back from: an applied topup of the account. */
const isRefundable = (request: MovementRequest, original: RecordedTransaction | undefined) =>
  original !== undefined &&
  original.kind === MovementKind.topup &&
  original.status === TransactionStatus.applied &&
  original.accountId === request.accountId;

type CompensationRequest = Extract<MovementRequest, { kind: typeof MovementKind.transferCompensation }>;

/** Whether `original` is the applied debit leg, on this account, of the transfer being compensated. */
const isCompensable = (
  request: CompensationRequest,
  original: RecordedTransaction | undefined,
): original is RecordedTransaction =>
  original !== undefined &&
  original.kind === MovementKind.transferDebit &&
  original.status === TransactionStatus.applied &&
  original.accountId === request.accountId &&
  original.transferId === request.transferId;

type CreditLegRequest = Extract<MovementRequest, { kind: typeof MovementKind.transferCredit }>;

/**
 * Why a transfer's credit leg may not take money out of transfers-in-flight, or undefined when it
 * may: its transfer's debit leg is applied, from the counterparty, for the same amount and
 * currency, not compensated, and no other credit of the transfer is applied. A debit not recorded
 * yet defers the credit (the legs are consumed independently); a debit that can never back the
 * credit rejects it (`original_not_found`), and the saga compensates whatever was debited.
 */
function creditBacking(
  request: CreditLegRequest,
  transfer: TransferLegs | undefined,
): MovementDecision | undefined {
  const debit = transfer?.debit;
  if (debit === undefined) {
    return {
      outcome: 'deferred',
      code: DeferralCode.debitNotRecorded,
      message: `the debit leg of transfer ${request.transferId} is not recorded (yet): credit ${request.transactionId} deferred`,
    };
  }
  const matches =
    debit.kind === MovementKind.transferDebit &&
    debit.status === TransactionStatus.applied &&
    debit.transferId === request.transferId &&
    debit.accountId === request.counterpartyAccountId &&
    debit.amount === request.amount &&
    debit.currency === request.currency;
  if (!matches || debit.reversed > 0n || transfer?.credited)
    return rejected(RejectionReason.originalNotFound);
  return undefined;
}

/** What remains of an original that later movements may still take back. */
const remainingOf = (original: RecordedTransaction): bigint => original.amount - original.reversed;

/** Rules every credit obeys: the balance stays within the bound. */
function decideCredit(request: MovementRequest, account: AccountState): MovementDecision {
  const balanceAfter = account.balance + request.amount;
  if (balanceAfter > MAX_MINOR_UNITS) return rejected(RejectionReason.balanceLimitExceeded);
  return { outcome: 'applied', direction: Direction.credit, entries: entriesOf(request), balanceAfter };
}

/** Rules every debit obeys: a suspended account cannot send, and there is no overdraft. */
function decideDebit(request: MovementRequest, account: AccountState): MovementDecision {
  if (account.status === AccountStatus.suspended) return rejected(RejectionReason.accountSuspended);
  if (account.balance < request.amount) return rejected(RejectionReason.insufficientFunds);
  return {
    outcome: 'applied',
    direction: Direction.debit,
    entries: entriesOf(request),
    balanceAfter: account.balance - request.amount,
  };
}

/**
 * A compensation returns a transfer's debit to the account it came from. It is not the customer's
 * act but the undoing of one, so neither a closed nor a suspended source refuses it: a refusal
 * would strand the money in transfers-in-flight and the transfer in `compensating`. Only a
 * request that is not the reversal of this transfer's applied debit is rejected. A reversal that
 * would lift the balance above the bound (credits arrived since the debit) waits for room.
 */
function decideCompensation(
  request: CompensationRequest,
  original: RecordedTransaction | undefined,
  account: AccountState,
): MovementDecision {
  if (!isCompensable(request, original)) return rejected(RejectionReason.originalNotFound);
  if (request.amount > remainingOf(original)) return rejected(RejectionReason.refundExceedsOriginal);
  if (account.currency !== request.currency) return rejected(RejectionReason.currencyMismatch);
  const balanceAfter = account.balance + request.amount;
  if (balanceAfter > MAX_MINOR_UNITS) {
    return {
      outcome: 'deferred',
      code: DeferralCode.balanceLimitExceeded,
      message: `account ${request.accountId} has no room under the balance bound for compensation ${request.transactionId} (yet)`,
    };
  }
  return { outcome: 'applied', direction: Direction.credit, entries: entriesOf(request), balanceAfter };
}

/**
 * Decides a requested money movement (docs/design.md: Ledger rules). Pure: the state comes in, the
 * decision goes out. An unknown account defers the request (it may be opening on the other topic);
 * every refused request is a rejection with its reason; a transaction id seen before is a duplicate.
 * A closed account does nothing, except take back a transfer's debit (decideCompensation).
 */
export function decideMovement(request: MovementRequest, state: MovementState): MovementDecision {
  if (state.existing !== undefined) return { outcome: 'duplicate', previous: state.existing };
  const { account } = state;
  if (account === undefined) {
    return {
      outcome: 'deferred',
      code: DeferralCode.accountNotFound,
      message: `account ${request.accountId} is not open (yet): ${request.kind} ${request.transactionId} deferred`,
    };
  }
  if (request.kind === MovementKind.transferCompensation) {
    // A transfer whose credit applied has no money in flight left to return.
    if (state.transfer?.credited) return rejected(RejectionReason.originalNotFound);
    return decideCompensation(request, state.original, account);
  }
  if (account.status === AccountStatus.closed) return rejected(RejectionReason.accountClosed);
  if (account.currency !== request.currency) return rejected(RejectionReason.currencyMismatch);
  switch (request.kind) {
    case MovementKind.topup:
      return decideCredit(request, account);
    case MovementKind.transferCredit:
      return creditBacking(request, state.transfer) ?? decideCredit(request, account);
    case MovementKind.withdrawal:
    case MovementKind.transferDebit:
      return decideDebit(request, account);
    case MovementKind.refund: {
      if (account.status === AccountStatus.suspended) return rejected(RejectionReason.accountSuspended);
      if (!isRefundable(request, state.original)) return rejected(RejectionReason.originalNotFound);
      if (request.amount > remainingOf(state.original as RecordedTransaction)) {
        return rejected(RejectionReason.refundExceedsOriginal);
      }
      return decideDebit(request, account);
    }
    default: {
      const unknown: never = request;
      throw new LedgerInvariantError(`Unknown movement ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * What becomes of a deferred movement when its retries have run out (the dead-letter retrier's
 * last attempt, or an operator's replay, still finds it deferred). A transfer credit to an account
 * that never opened is rejected (`account_not_found`): the saga answers with the compensation, and
 * the money goes back to the source. Anything else is parked for a person: a topup or withdrawal
 * has no one to answer its rejection, and a compensation must not be given up.
 */
export function decideOutOfRetries(
  request: MovementRequest,
  deferral: { readonly code: string },
): OutOfRetriesDecision {
  if (request.kind === MovementKind.transferCredit && deferral.code === DeferralCode.accountNotFound) {
    return { outcome: 'rejected', reason: RejectionReason.accountNotFound };
  }
  return { outcome: 'parked' };
}

/** The transaction a refund or compensation refers to, or undefined for other movements. */
export function originalIdOf(request: MovementRequest): string | undefined {
  switch (request.kind) {
    case MovementKind.refund:
      return request.originalTransactionId;
    case MovementKind.transferCompensation:
      return request.compensatesTransactionId;
    case MovementKind.topup:
    case MovementKind.withdrawal:
    case MovementKind.transferDebit:
    case MovementKind.transferCredit:
      return undefined;
    default: {
      const unknown: never = request;
      throw new LedgerInvariantError(`Unknown movement ${JSON.stringify(unknown)}`);
    }
  }
}

/** The transfer a movement belongs to, or null. */
export function transferIdOf(request: MovementRequest): string | null {
  return 'transferId' in request ? request.transferId : null;
}

/** The state after a decision: the account's new balance and version, the recorded transaction, the original's taken-back amount. */
export interface MovementEvolution {
  readonly account: AccountState | undefined;
  /** The transaction to record; undefined for deferred and duplicate requests. */
  readonly recorded: RecordedTransaction | undefined;
  /** The original with what was taken back, when a refund or compensation was applied. */
  readonly original: RecordedTransaction | undefined;
}

/** Evolves the state by a decision (pure). Deferred and duplicate requests change nothing. */
export function evolveMovement(
  state: MovementState,
  request: MovementRequest,
  decision: MovementDecision,
): MovementEvolution {
  switch (decision.outcome) {
    case 'deferred':
    case 'duplicate':
      return { account: state.account, recorded: undefined, original: state.original };
    case 'rejected':
      return {
        account: state.account,
        recorded: recordOf(request, TransactionStatus.rejected),
        original: state.original,
      };
    case 'applied': {
      const account = state.account;
      if (account === undefined) throw new LedgerInvariantError('an applied movement needs an account');
      const sum = decision.entries.reduce((total, entry) => total + entry.amount, 0n);
      if (sum !== 0n || decision.balanceAfter < 0n) {
        throw new LedgerInvariantError(
          `movement ${request.transactionId} would break the ledger: entries sum ${sum}, balance ${decision.balanceAfter}`,
        );
      }
      const originalId = originalIdOf(request);
      const original =
        originalId !== undefined && state.original !== undefined
          ? { ...state.original, reversed: state.original.reversed + request.amount }
          : state.original;
      return {
        account: { ...account, balance: decision.balanceAfter, version: account.version + 1 },
        recorded: recordOf(request, TransactionStatus.applied),
        original,
      };
    }
    default: {
      const unknown: never = decision;
      throw new LedgerInvariantError(`Unknown decision ${JSON.stringify(unknown)}`);
    }
  }
}

function recordOf(request: MovementRequest, status: TransactionStatus): RecordedTransaction {
  return {
    transactionId: request.transactionId,
    accountId: request.accountId,
    kind: request.kind,
    status,
    amount: request.amount,
    currency: request.currency,
    transferId: transferIdOf(request),
    reversed: 0n,
  };
}
