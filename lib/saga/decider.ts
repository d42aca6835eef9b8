import {
  type Currency,
  LATEST_SCHEMA_VERSION,
  RejectionReason,
  type SagaEvent,
  SagaEventType,
  TransactionEventType,
  type TransferRequested,
} from '../../schemas';
import { uuidV5 } from '../outbox';
import { TransferLeg, TransferStatus } from './constants';
import { SagaError } from './errors';
import type { SagaCommand, SagaContext, SagaDecision, TransferState } from './types';

/** The id of a transfer leg's transaction: UUIDv5 of the transfer id and the leg. */
export const legTransactionId = (transferId: string, leg: TransferLeg): string =>
  uuidV5(`transfer/${transferId}/${leg}`);

/**
 * The id of an event the saga emits: UUIDv5 of the transfer id and the event type. Each type is
 * emitted at most once per transfer, so a redelivery or replay derives the very same id.
 */
export const sagaEventId = (transferId: string, eventType: SagaCommand['eventType']): string =>
  uuidV5(`transfer/${transferId}/${eventType}`);

const envelopeOf = (state: TransferState, cause: SagaEvent, eventType: SagaCommand['eventType']) => ({
  eventId: sagaEventId(state.transferId, eventType),
  schemaVersion: LATEST_SCHEMA_VERSION,
  // Emitted events carry their cause's time, so a replay derives the very same events.
  occurredAt: cause.occurredAt,
  correlationId: state.correlationId,
  causationId: cause.eventId,
});

const amountOf = (state: TransferState) => ({
  minorUnits: state.amount.toString(),
  currency: state.currency,
});

const debitRequested = (state: TransferState, cause: SagaEvent): SagaCommand => {
  const transactionId = legTransactionId(state.transferId, TransferLeg.debit);
  return {
    ...envelopeOf(state, cause, TransactionEventType.transferDebitRequested),
    aggregateId: transactionId,
    eventType: TransactionEventType.transferDebitRequested,
    payload: {
      transactionId,
      accountId: state.fromAccountId,
      amount: amountOf(state),
      transferId: state.transferId,
      counterpartyAccountId: state.toAccountId,
    },
  };
};

const creditRequested = (state: TransferState, cause: SagaEvent): SagaCommand => {
  const transactionId = legTransactionId(state.transferId, TransferLeg.credit);
  return {
    ...envelopeOf(state, cause, TransactionEventType.transferCreditRequested),
    aggregateId: transactionId,
    eventType: TransactionEventType.transferCreditRequested,
    payload: {
      transactionId,
      accountId: state.toAccountId,
      amount: amountOf(state),
      transferId: state.transferId,
      counterpartyAccountId: state.fromAccountId,
    },
  };
};

const compensationRequested = (
  state: TransferState,
  cause: SagaEvent,
  reason: RejectionReason,
): SagaCommand => {
  const transactionId = legTransactionId(state.transferId, TransferLeg.compensation);
  return {
    ...envelopeOf(state, cause, TransactionEventType.transferCompensationRequested),
    aggregateId: transactionId,
    eventType: TransactionEventType.transferCompensationRequested,
    payload: {
      transactionId,
      accountId: state.fromAccountId,
      amount: amountOf(state),
      transferId: state.transferId,
      compensatesTransactionId: legTransactionId(state.transferId, TransferLeg.debit),
      reason: `credit leg rejected: ${reason}`,
    },
  };
};

const completed = (state: TransferState, cause: SagaEvent): SagaCommand => ({
  ...envelopeOf(state, cause, SagaEventType.transferCompleted),
  aggregateId: state.transferId,
  eventType: SagaEventType.transferCompleted,
  payload: {
    transferId: state.transferId,
    fromAccountId: state.fromAccountId,
    toAccountId: state.toAccountId,
    amount: amountOf(state),
  },
});

const failed = (state: TransferState, cause: SagaEvent): SagaCommand => {
  if (state.reason === null) throw new SagaError(`Transfer ${state.transferId} fails without a reason`);
  return {
    ...envelopeOf(state, cause, SagaEventType.transferFailed),
    aggregateId: state.transferId,
    eventType: SagaEventType.transferFailed,
    payload: { transferId: state.transferId, reason: state.reason, compensated: state.compensated },
  };
};

/**
 * Why a request is refused before any money moves. The request schema already refuses a transfer
 * to the same account and a non-positive amount (`must differ from payload.fromAccountId`, `must be
 * greater than zero`): such a record is dead-lettered as permanent before it reaches the saga. What
 * is left is the currency: an account's currency never changes, so a known account in another
 * currency refuses the transfer for good. An account not in the read model yet is left to its leg.
 */
export function refusalOf(request: TransferRequested, context: SagaContext): RejectionReason | undefined {
  const { fromAccountId, toAccountId, amount } = request.payload;
  for (const accountId of [fromAccountId, toAccountId]) {
    const currency: Currency | undefined = context.accountCurrencies.get(accountId);
    if (currency !== undefined && currency !== amount.currency) return RejectionReason.currencyMismatch;
  }
  return undefined;
}

const ignore = (state: TransferState, event: SagaEvent): SagaDecision => ({
  outcome: 'ignored',
  reason: `${event.eventType} for transfer ${state.transferId} in status ${state.status}`,
});

/**
 * The leg a saga step reports on, when it is not the leg this saga requested: a movement request
 * another producer wrote with the transfer's id (its own transaction id) is decided by the ledger
 * like any other, but its outcome does not speak for the transfer.
 */
function foreignLegOf(state: TransferState, event: SagaEvent): string | undefined {
  const { payload } = event as { payload: Record<string, unknown> };
  const checks: readonly [string, TransferLeg][] = [
    ['debitTransactionId', TransferLeg.debit],
    ['creditTransactionId', TransferLeg.credit],
    ['compensationTransactionId', TransferLeg.compensation],
  ];
  for (const [field, leg] of checks) {
    const id = payload[field];
    if (typeof id === 'string' && id !== legTransactionId(state.transferId, leg)) return id;
  }
  return undefined;
}

/**
 * The transfer saga's rule: the state of a transfer (undefined before its request) and one of its
 * saga events give the next state and the events to emit. Pure: time comes from the event.
 */
export function decideTransfer(
  state: TransferState | undefined,
  event: SagaEvent,
  context: SagaContext,
): SagaDecision {
  if (state === undefined) {
    if (event.eventType !== SagaEventType.transferRequested) {
      return {
        outcome: 'orphan',
        message: `${event.eventType} for transfer ${event.payload.transferId}, whose request is unknown`,
      };
    }
    const { payload } = event;
    const requested: TransferState = {
      transferId: payload.transferId,
      fromAccountId: payload.fromAccountId,
      toAccountId: payload.toAccountId,
      amount: BigInt(payload.amount.minorUnits),
      currency: payload.amount.currency,
      status: TransferStatus.requested,
      step: event.eventType,
      reason: null,
      compensated: false,
      correlationId: event.correlationId,
      requestedAt: event.occurredAt,
      updatedAt: event.occurredAt,
      finishedAt: null,
    };
    const refusal = refusalOf(event, context);
    if (refusal !== undefined) {
      const next = {
        ...requested,
        status: TransferStatus.failed,
        reason: refusal,
        finishedAt: event.occurredAt,
      };
      return { outcome: 'advanced', state: next, emit: [failed(next, event)] };
    }
    const next = { ...requested, status: TransferStatus.debiting };
    return { outcome: 'advanced', state: next, emit: [debitRequested(next, event)] };
  }

  const moved = (status: TransferStatus, changes: Partial<TransferState> = {}): TransferState => ({
    ...state,
    ...changes,
    status,
    step: event.eventType,
    updatedAt: event.occurredAt,
  });

  const foreign = foreignLegOf(state, event);
  if (foreign !== undefined) {
    return {
      outcome: 'ignored',
      reason: `${event.eventType} for transfer ${state.transferId} reports transaction ${foreign}, not a leg this saga requested`,
    };
  }

  switch (event.eventType) {
    case SagaEventType.transferRequested:
      return ignore(state, event);
    case SagaEventType.transferDebited: {
      if (state.status !== TransferStatus.debiting) return ignore(state, event);
      const next = moved(TransferStatus.crediting);
      return { outcome: 'advanced', state: next, emit: [creditRequested(next, event)] };
    }
    case SagaEventType.transferDebitRejected: {
      if (state.status !== TransferStatus.debiting) return ignore(state, event);
      const next = moved(TransferStatus.failed, {
        reason: event.payload.reason,
        finishedAt: event.occurredAt,
      });
      return { outcome: 'advanced', state: next, emit: [failed(next, event)] };
    }
    case SagaEventType.transferCredited: {
      if (state.status !== TransferStatus.crediting) return ignore(state, event);
      const next = moved(TransferStatus.completed, { finishedAt: event.occurredAt });
      return { outcome: 'advanced', state: next, emit: [completed(next, event)] };
    }
    case SagaEventType.transferCreditRejected: {
      if (state.status !== TransferStatus.crediting) return ignore(state, event);
      const next = moved(TransferStatus.compensating, { reason: event.payload.reason });
      return {
        outcome: 'advanced',
        state: next,
        emit: [compensationRequested(next, event, event.payload.reason)],
      };
    }
    case SagaEventType.transferCompensated: {
      if (state.status !== TransferStatus.compensating) return ignore(state, event);
      const next = moved(TransferStatus.failed, { compensated: true, finishedAt: event.occurredAt });
      return { outcome: 'advanced', state: next, emit: [failed(next, event)] };
    }
    case SagaEventType.transferCompleted:
    case SagaEventType.transferFailed:
      // The saga's own outcomes coming back on its topic: already reflected in the state.
      return ignore(state, event);
    default: {
      const unknown: never = event;
      throw new SagaError(`Unknown saga event ${JSON.stringify(unknown)}`);
    }
  }
}

/** No account is known to a rebuild's fold: it never refuses a request itself. */
const NO_CURRENCIES: SagaContext = { accountCurrencies: new Map() };

/**
 * A rebuild's rule: the saga's steps folded as facts, emitting nothing and reading no account. The
 * only decision the live saga takes on something outside billing.saga.events is a refusal for a
 * known account's currency; it is written as TransferFailed right after the request, so the fold
 * takes a TransferFailed that finds the transfer still debiting as that refusal: failed, with the
 * reason, at the request's step and time, as the live saga recorded it.
 */
export function foldTransfer(state: TransferState | undefined, event: SagaEvent): SagaDecision {
  if (
    state !== undefined &&
    event.eventType === SagaEventType.transferFailed &&
    state.status === TransferStatus.debiting &&
    state.step === SagaEventType.transferRequested
  ) {
    const next: TransferState = {
      ...state,
      status: TransferStatus.failed,
      reason: event.payload.reason,
      compensated: event.payload.compensated,
      finishedAt: event.occurredAt,
      updatedAt: event.occurredAt,
    };
    return { outcome: 'advanced', state: next, emit: [] };
  }
  const decision = decideTransfer(state, event, NO_CURRENCIES);
  return decision.outcome === 'advanced' ? { ...decision, emit: [] } : decision;
}
