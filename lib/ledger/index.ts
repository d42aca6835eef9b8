/**
 * The ledger rules (docs/design.md: Ledger rules): pure deciders that take state and a request and
 * return a decision (applied with its double entries, rejected with a reason, deferred, duplicate),
 * and the evolution of the state by a decision. No I/O here.
 */
export { decideAccountOpening, decideStatusChange } from './account-rules';
export {
  AccountEventIgnoredReason,
  CUSTOMER_LEDGER_PREFIX,
  DeferralCode,
  Direction,
  MovementKind,
  SystemLedgerAccount,
  TransactionStatus,
} from './constants';
export { LedgerError, LedgerInvariantError } from './errors';
export {
  counterpartOf,
  customerLedgerAccount,
  decideMovement,
  decideOutOfRetries,
  directionOf,
  entriesOf,
  evolveMovement,
  type MovementEvolution,
  originalIdOf,
  systemLedgerAccount,
  transferIdOf,
} from './movement-rules';
export type {
  AccountDecision,
  AccountState,
  LedgerEntry,
  MovementDecision,
  MovementRequest,
  MovementState,
  OutOfRetriesDecision,
  RecordedTransaction,
} from './types';
