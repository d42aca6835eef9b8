import {
  AccountEventType,
  type BillingEvent,
  FailureClass,
  isTransactionEvent,
  LATEST_SCHEMA_VERSION,
  SagaEventType,
  TopicName,
  type TransactionEvent,
  TransactionEventType,
} from '../../schemas';
import type { Queryable } from '../database';
import {
  type AccountState,
  decideMovement,
  evolveMovement,
  type LedgerEntry,
  type MovementDecision,
  MovementKind,
  type MovementRequest,
  originalIdOf,
  type RecordedTransaction,
  TransactionStatus,
  transferIdOf,
} from '../ledger';
import { derivedEventId, derivedOutboxMessageOf, type OutboxMessage } from '../outbox';
import { ProjectionMetric, ProjectorName } from './constants';
import { ProjectionError } from './errors';
import {
  insertEntries,
  insertTransactions,
  loadTransactions,
  lockAccounts,
  lockTransferLegs,
  type TransactionInsert,
  updateAccounts,
  updateReversed,
} from './ledger-sql';
import { transactionOutcomeOf } from './transaction-outcomes';
import type { FreshRecord, ProjectionContext, ProjectionOutput, TopicProjector } from './types';
import type { WriteBatch } from './write-batch';

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
      throw new ProjectionError(`Unknown transaction event ${JSON.stringify(unknown)}`);
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
 * The events a decided movement emits: AccountBalanceChanged for every applied movement, and the
 * saga step of a transfer leg (debited or debit rejected, credited or credit rejected, compensated).
 */
export function eventsOfDecision(
  cause: TransactionEvent,
  request: MovementRequest,
  decision: MovementDecision,
): BillingEvent[] {
  const events: BillingEvent[] = [];
  const amount = { minorUnits: request.amount.toString(), currency: request.currency };
  if (decision.outcome === 'applied') {
    events.push({
      ...envelopeOf(cause, AccountEventType.accountBalanceChanged, request.accountId),
      eventType: AccountEventType.accountBalanceChanged,
      payload: {
        accountId: request.accountId,
        transactionId: request.transactionId,
        direction: decision.direction,
        amount,
        balance: { minorUnits: decision.balanceAfter.toString(), currency: request.currency },
      },
    });
  }
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
      throw new ProjectionError(`Unknown movement ${JSON.stringify(unknown)}`);
    }
  }
  return events;
}

/**
 * The transaction projector: applies topups, withdrawals, refunds and transfer legs to the ledger.
 * Per batch: one locking read of the accounts, one read of the transactions involved, the rules in
 * memory in offset order, and one write statement (transactions, entries, accounts, originals).
 */
export const transactionProjector: TopicProjector = {
  name: ProjectorName.transaction,
  topic: TopicName.transactionEvents,

  async project(
    db: Queryable,
    records: readonly FreshRecord[],
    writes: WriteBatch,
    context: ProjectionContext,
  ): Promise<ProjectionOutput> {
    const work = records.map((record) => {
      if (!isTransactionEvent(record.event)) {
        throw new ProjectionError(
          `${record.event.eventType} is not a transaction event (${record.origin.topic})`,
        );
      }
      return { record, event: record.event, request: movementRequestOf(record.event) };
    });
    const accounts = await lockAccounts(
      db,
      work.map((item) => item.request.accountId),
    );
    const recorded = await loadTransactions(
      db,
      work.flatMap((item) => [item.request.transactionId, originalIdOf(item.request) ?? []].flat()),
    );
    // A credit or a compensation is decided against its transfer's debit (locked); a debit of the
    // batch becomes known to the credits and compensations after it.
    const legs = await lockTransferLegs(
      db,
      work.flatMap(({ request }) =>
        request.kind === MovementKind.transferCredit || request.kind === MovementKind.transferCompensation
          ? [request.transferId]
          : [],
      ),
    );
    for (const debit of legs.debits.values()) {
      if (!recorded.has(debit.transactionId)) recorded.set(debit.transactionId, debit);
    }
    const transferOf = (request: MovementRequest) => {
      const transferId = transferIdOf(request);
      if (transferId === null) return undefined;
      const debitId = legs.debits.get(transferId)?.transactionId;
      return {
        debit: debitId === undefined ? undefined : recorded.get(debitId),
        credited: legs.credited.has(transferId),
      };
    };

    const inserts = new Map<string, TransactionInsert>();
    const reversedOriginals = new Map<string, RecordedTransaction>();
    const touched = new Map<string, { account: AccountState; updatedAt: string }>();
    const entries: { transactionId: string; entry: LedgerEntry }[] = [];
    const outbox: OutboxMessage[] = [];
    const deferred: ProjectionOutput['deferred'][number][] = [];
    const counts: ProjectionOutput['counts'] & Record<string, number> = {};
    const count = (metric: ProjectionMetric) => {
      counts[metric] = (counts[metric] ?? 0) + 1;
    };
    const source = { topic: TopicName.transactionEvents, partition: records[0]?.origin.partition ?? 0 };

    for (const { record, event, request } of work) {
      const originalId = originalIdOf(request);
      const transfer = transferOf(request);
      const state = {
        account: accounts.get(request.accountId),
        existing: recorded.get(request.transactionId),
        original: originalId === undefined ? undefined : recorded.get(originalId),
        ...(transfer === undefined ? {} : { transfer }),
      };
      const decision = decideMovement(request, state);
      const next = evolveMovement(state, request, decision);
      switch (decision.outcome) {
        case 'deferred':
          deferred.push({
            record,
            failure: { failureClass: FailureClass.deferred, code: decision.code, message: decision.message },
          });
          continue;
        case 'duplicate':
          count(ProjectionMetric.duplicateRequests);
          context.logger.warn('Transaction id already recorded: request ignored', {
            transactionId: request.transactionId,
            eventId: event.eventId,
            offset: record.origin.offset,
          });
          continue;
        case 'rejected':
          count(ProjectionMetric.movementsRejected);
          break;
        case 'applied':
          count(ProjectionMetric.movementsApplied);
          for (const entry of decision.entries) entries.push({ transactionId: request.transactionId, entry });
          if (next.account) {
            accounts.set(request.accountId, next.account);
            touched.set(request.accountId, { account: next.account, updatedAt: event.occurredAt });
          }
          break;
        default: {
          const unknown: never = decision;
          throw new ProjectionError(`Unknown decision ${JSON.stringify(unknown)}`);
        }
      }
      if (next.recorded) {
        recorded.set(next.recorded.transactionId, next.recorded);
        const transferId = next.recorded.transferId;
        if (
          transferId !== null &&
          next.recorded.kind === MovementKind.transferDebit &&
          !legs.debits.has(transferId)
        )
          legs.debits.set(transferId, next.recorded);
        if (
          transferId !== null &&
          next.recorded.kind === MovementKind.transferCredit &&
          next.recorded.status === TransactionStatus.applied
        )
          legs.credited.add(transferId);
        inserts.set(next.recorded.transactionId, {
          recorded: next.recorded,
          rejectionReason: decision.outcome === 'rejected' ? decision.reason : null,
          balanceAfter: decision.outcome === 'applied' ? decision.balanceAfter : null,
          originalTransactionId: originalId ?? null,
          eventId: event.eventId,
          occurredAt: event.occurredAt,
          partition: record.origin.partition,
          offset: record.origin.offset,
        });
        // The decision as a fact, beside the row it writes: what a rebuild applies.
        if (decision.outcome === 'applied' || decision.outcome === 'rejected')
          outbox.push(
            derivedOutboxMessageOf(transactionOutcomeOf(event, record.origin, request, decision), source),
          );
      }
      if (decision.outcome === 'applied' && originalId !== undefined && next.original) {
        recorded.set(originalId, next.original);
        // An original recorded in this very batch is inserted in its final state instead.
        const pending = inserts.get(originalId);
        if (pending) inserts.set(originalId, { ...pending, recorded: next.original });
        else reversedOriginals.set(originalId, next.original);
      }
      if (decision.outcome === 'rejected' && request.kind === MovementKind.transferCompensation) {
        context.logger.error('Transfer compensation rejected: money stays in transfers-in-flight', {
          transferId: request.transferId,
          transactionId: request.transactionId,
          reason: decision.reason,
        });
      }
      for (const derived of eventsOfDecision(event, request, decision))
        outbox.push(derivedOutboxMessageOf(derived, source));
    }

    insertTransactions(writes, [...inserts.values()]);
    updateReversed(writes, [...reversedOriginals.values()]);
    insertEntries(writes, entries);
    updateAccounts(writes, [...touched.values()]);
    return { outbox, deferred, counts };
  },
};
