import { AccountEventType, SagaEventType, TransactionEventType, TransactionOutcomeType } from './constants';
import type { AccountEvent, BillingEvent, SagaEvent, TransactionEvent, TransactionOutcome } from './types';

// The event families by type, for the projectors' "is this one of mine?" (sets: checked per record).
const accountTypes: ReadonlySet<string> = new Set(Object.values(AccountEventType));
const transactionTypes: ReadonlySet<string> = new Set(Object.values(TransactionEventType));
const sagaTypes: ReadonlySet<string> = new Set(Object.values(SagaEventType));
const outcomeTypes: ReadonlySet<string> = new Set(Object.values(TransactionOutcomeType));

export const isAccountEvent = (event: BillingEvent): event is AccountEvent =>
  accountTypes.has(event.eventType);

export const isTransactionEvent = (event: BillingEvent): event is TransactionEvent =>
  transactionTypes.has(event.eventType);

export const isSagaEvent = (event: BillingEvent): event is SagaEvent => sagaTypes.has(event.eventType);

export const isTransactionOutcome = (event: BillingEvent): event is TransactionOutcome =>
  outcomeTypes.has(event.eventType);
