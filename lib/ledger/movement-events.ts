import {
  type BillingEvent,
  LATEST_SCHEMA_VERSION,
  SagaEventType,
  type TransactionEvent,
  TransactionEventType,
} from '../../schemas';
import { derivedEventId } from '../outbox';
import { MovementKind } from './constants';
import { LedgerError } from './errors';
import type { MovementDecision, MovementRequest } from './types';

/*
 * The ledger's side of a transaction event, both pure: the movement it requests, and the events a
 * decided movement emits (the account's new balance, the saga's next step).
 */

/** The movement request a transaction event asks for (amounts as bigint minor units). */
export function movementRequestOf(event: TransactionEvent): MovementRequest {
  const { payload } = event;
  const base = {
    transactionId: payload.transactionId,
    accountId: payload.accountId,
    amount: BigInt(payload.amount.minorUnits),
    currency: payload.amount.currency,
  };
  switch (event.eventType) {
    case TransactionEventType.topupRequested:
      return { ...base, kind: MovementKind.topup };
    case TransactionEventType.withdrawalRequested:
      return { ...base, kind: MovementKind.withdrawal };
    case TransactionEventType.refundRequested:
      return {
        ...base,
        kind: MovementKind.refund,
        originalTransactionId: event.payload.originalTransactionId,
      };
    case TransactionEventType.transferDebitRequested:
      return {
        ...base,
        kind: MovementKind.transferDebit,
        transferId: event.payload.transferId,
        counterpartyAccountId: event.payload.counterpartyAccountId,
      };
    case TransactionEventType.transferCreditRequested:
      return {
        ...base,
        kind: MovementKind.transferCredit,
        transferId: event.payload.transferId,
        counterpartyAccountId: event.payload.counterpartyAccountId,
      };
    case TransactionEventType.transferCompensationRequested:
      return {
        ...base,
        kind: MovementKind.transferCompensation,
        transferId: event.payload.transferId,
        compensatesTransactionId: event.payload.compensatesTransactionId,
      };
    default: {
      const unknown: never = event;
      throw new LedgerError(`Unknown transaction event ${JSON.stringify(unknown)}`);
    }
  }
}

const envelopeOf = (cause: BillingEvent, step: string, aggregateId: string) => ({
  eventId: derivedEventId(cause.eventId, step),
  schemaVersion: LATEST_SCHEMA_VERSION,
  aggregateId,
  // Derived events carry their cause's time, so a replay derives the very same events.
  occurredAt: cause.occurredAt,
  correlationId: cause.correlationId,
  causationId: cause.eventId,
});

/**
 * The saga events a decided transfer leg emits (debited or debit rejected, credited or credit
 * rejected, compensated); other movements emit none here. The account's new balance is not a
 * separate event: it is the `balance` of the movement's TransactionApplied
 * (transaction-outcomes.ts). AccountBalanceChanged is no longer emitted; its schema stays so that
 * records already on billing.account.events still decode.
 */
export function eventsOfDecision(
  cause: TransactionEvent,
  request: MovementRequest,
  decision: MovementDecision,
): BillingEvent[] {
  const events: BillingEvent[] = [];
  const amount = { minorUnits: request.amount.toString(), currency: request.currency };
  if (decision.outcome !== 'applied' && decision.outcome !== 'rejected') return events;
  const applied = decision.outcome === 'applied';
  switch (request.kind) {
    case MovementKind.transferDebit: {
      const step = applied ? SagaEventType.transferDebited : SagaEventType.transferDebitRejected;
      const common = {
        transferId: request.transferId,
        debitTransactionId: request.transactionId,
        accountId: request.accountId,
      };
      events.push(
        decision.outcome === 'applied'
          ? {
              ...envelopeOf(cause, step, request.transferId),
              eventType: SagaEventType.transferDebited,
              payload: { ...common, amount },
            }
          : {
              ...envelopeOf(cause, step, request.transferId),
              eventType: SagaEventType.transferDebitRejected,
              payload: { ...common, reason: decision.reason },
            },
      );
      break;
    }
    case MovementKind.transferCredit: {
      const step = applied ? SagaEventType.transferCredited : SagaEventType.transferCreditRejected;
      const common = {
        transferId: request.transferId,
        creditTransactionId: request.transactionId,
        accountId: request.accountId,
      };
      events.push(
        decision.outcome === 'applied'
          ? {
              ...envelopeOf(cause, step, request.transferId),
              eventType: SagaEventType.transferCredited,
              payload: { ...common, amount },
            }
          : {
              ...envelopeOf(cause, step, request.transferId),
              eventType: SagaEventType.transferCreditRejected,
              payload: { ...common, reason: decision.reason },
            },
      );
      break;
    }
    case MovementKind.transferCompensation:
      // The saga contract has no "compensation rejected" step: a rejection is recorded on the
      // transaction row (and logged), the money stays visible in transfers-in-flight.
      if (applied) {
        events.push({
          ...envelopeOf(cause, SagaEventType.transferCompensated, request.transferId),
          eventType: SagaEventType.transferCompensated,
          payload: {
            transferId: request.transferId,
            compensationTransactionId: request.transactionId,
            accountId: request.accountId,
            amount,
          },
        });
      }
      break;
    case MovementKind.topup:
    case MovementKind.withdrawal:
    case MovementKind.refund:
      break;
    default: {
      const unknown: never = request;
      throw new LedgerError(`Unknown movement ${JSON.stringify(unknown)}`);
    }
  }
  return events;
}
