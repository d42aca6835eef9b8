/**
 * The ledger (docs/design.md: Ledger rules), rules, projectors and SQL together:
 * - the rules: pure deciders that take state and a request and return a decision (applied with its
 *   double entries, rejected with a reason, deferred, duplicate), the evolution of the state by a
 *   decision, and the events a decision emits (`movement-events.ts`, `transaction-outcomes.ts`);
 * - the projectors of billing.account.events, billing.transaction.events and (for a rebuild)
 *   billing.transaction.outcomes, which run the rules on lib/projection's runner;
 * - their SQL (`ledger-sql.ts`).
 */
export { accountProjector } from './account-projector';
export { decideAccountOpening, decideStatusChange } from './account-rules';
export {
  AccountEventIgnoredReason,
  CUSTOMER_LEDGER_PREFIX,
  DeferralCode,
  Direction,
  MovementKind,
  ProjectorName,
  SystemLedgerAccount,
  TransactionStatus,
} from './constants';
export { LedgerError, LedgerInvariantError } from './errors';
export { eventsOfDecision, movementRequestOf } from './movement-events';
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
export { transactionOutcomeProjector } from './outcome-projector';
export { transactionOutcomeOf } from './transaction-outcomes';
export { transactionProjector } from './transaction-projector';
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
