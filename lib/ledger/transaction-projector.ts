import { FailureClass, isTransactionEvent, TopicName, type TransactionEvent } from '../../schemas';
import type { Queryable } from '../database';
import { derivedOutboxMessageOf, type OutboxMessage, type OutboxSource } from '../outbox';
import { ProjectionMetric } from '../projection/constants';
import { ProjectionError } from '../projection/errors';
import type { FreshRecord, ProjectionContext, ProjectionOutput, TopicProjector } from '../projection/types';
import type { WriteBatch } from '../projection/write-batch';
import { MovementKind, ProjectorName, TransactionStatus } from './constants';
import {
  insertEntries,
  insertTransactions,
  loadTransactions,
  lockAccounts,
  lockTransferLegs,
  type RecordedTransferLegs,
  type TransactionInsert,
  updateAccounts,
  updateReversed,
} from './ledger-sql';
import { eventsOfDecision, movementRequestOf } from './movement-events';
import { decideMovement, evolveMovement, originalIdOf, transferIdOf } from './movement-rules';
import { transactionOutcomeOf } from './transaction-outcomes';
import type {
  AccountState,
  LedgerEntry,
  MovementDecision,
  MovementRequest,
  RecordedTransaction,
} from './types';

/** A record of the batch with the movement it requests. */
interface Work {
  readonly record: FreshRecord;
  readonly event: TransactionEvent;
  readonly request: MovementRequest;
}

/** The ledger as the batch reads it: locked accounts, recorded transactions, transfer legs; updated as it goes. */
interface LedgerState {
  readonly accounts: Map<string, AccountState>;
  readonly recorded: Map<string, RecordedTransaction>;
  readonly legs: RecordedTransferLegs;
}

/** What the batch will write, gathered record by record, and what it reports. */
interface BatchWrites {
  readonly inserts: Map<string, TransactionInsert>;
  readonly reversedOriginals: Map<string, RecordedTransaction>;
  readonly touched: Map<string, { account: AccountState; updatedAt: string }>;
  readonly entries: { transactionId: string; entry: LedgerEntry }[];
  readonly outbox: OutboxMessage[];
  readonly deferred: ProjectionOutput['deferred'][number][];
  readonly counts: ProjectionOutput['counts'] & Record<string, number>;
  readonly source: OutboxSource;
}

const workOf = (records: readonly FreshRecord[]): Work[] =>
  records.map((record) => {
    if (!isTransactionEvent(record.event)) {
      throw new ProjectionError(
        `${record.event.eventType} is not a transaction event (${record.origin.topic})`,
      );
    }
    return { record, event: record.event, request: movementRequestOf(record.event) };
  });

/**
 * One locking read of the accounts, one read of the transactions involved (and their originals),
 * and the legs of the transfers the batch's credits and compensations belong to.
 */
async function loadLedgerState(db: Queryable, work: readonly Work[]): Promise<LedgerState> {
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
  return { accounts, recorded, legs };
}

/** The transfer a leg belongs to, as the rules see it: its debit leg and whether a credit applied. */
const transferOf = ({ legs, recorded }: LedgerState, request: MovementRequest) => {
  const transferId = transferIdOf(request);
  if (transferId === null) return undefined;
  const debitId = legs.debits.get(transferId)?.transactionId;
  return {
    debit: debitId === undefined ? undefined : recorded.get(debitId),
    credited: legs.credited.has(transferId),
  };
};

const count = (batch: BatchWrites, metric: ProjectionMetric) => {
  batch.counts[metric] = (batch.counts[metric] ?? 0) + 1;
};

/** Decides one record against the state, in offset order, and gathers what it writes. */
function applyRecord(
  { record, event, request }: Work,
  state: LedgerState,
  batch: BatchWrites,
  context: ProjectionContext,
): void {
  const originalId = originalIdOf(request);
  const transfer = transferOf(state, request);
  const movementState = {
    account: state.accounts.get(request.accountId),
    existing: state.recorded.get(request.transactionId),
    original: originalId === undefined ? undefined : state.recorded.get(originalId),
    ...(transfer === undefined ? {} : { transfer }),
  };
  const decision = decideMovement(request, movementState);
  const next = evolveMovement(movementState, request, decision);
  switch (decision.outcome) {
    case 'deferred':
      batch.deferred.push({
        record,
        failure: { failureClass: FailureClass.deferred, code: decision.code, message: decision.message },
      });
      return;
    case 'duplicate':
      count(batch, ProjectionMetric.duplicateRequests);
      context.logger.warn('Transaction id already recorded: request ignored', {
        transactionId: request.transactionId,
        eventId: event.eventId,
        offset: record.origin.offset,
      });
      return;
    case 'rejected':
      count(batch, ProjectionMetric.movementsRejected);
      break;
    case 'applied':
      count(batch, ProjectionMetric.movementsApplied);
      for (const entry of decision.entries)
        batch.entries.push({ transactionId: request.transactionId, entry });
      if (next.account) {
        state.accounts.set(request.accountId, next.account);
        batch.touched.set(request.accountId, { account: next.account, updatedAt: event.occurredAt });
      }
      break;
    default: {
      const unknown: never = decision;
      throw new ProjectionError(`Unknown decision ${JSON.stringify(unknown)}`);
    }
  }
  if (next.recorded) recordTransaction({ record, event, request }, next.recorded, decision, state, batch);
  if (decision.outcome === 'applied' && originalId !== undefined && next.original) {
    state.recorded.set(originalId, next.original);
    // An original recorded in this very batch is inserted in its final state instead.
    const pending = batch.inserts.get(originalId);
    if (pending) batch.inserts.set(originalId, { ...pending, recorded: next.original });
    else batch.reversedOriginals.set(originalId, next.original);
  }
  if (decision.outcome === 'rejected' && request.kind === MovementKind.transferCompensation) {
    context.logger.error('Transfer compensation rejected: money stays in transfers-in-flight', {
      transferId: request.transferId,
      transactionId: request.transactionId,
      reason: decision.reason,
    });
  }
  for (const derived of eventsOfDecision(event, request, decision))
    batch.outbox.push(derivedOutboxMessageOf(derived, batch.source));
}

/**
 * A recorded (applied or rejected) transaction: known to the records after it (a debit to its
 * transfer's credit, an applied credit to its compensation), inserted, and its outcome written as
 * a fact beside the row.
 */
function recordTransaction(
  { record, event, request }: Work,
  recorded: RecordedTransaction,
  decision: MovementDecision,
  state: LedgerState,
  batch: BatchWrites,
): void {
  state.recorded.set(recorded.transactionId, recorded);
  const transferId = recorded.transferId;
  if (
    transferId !== null &&
    recorded.kind === MovementKind.transferDebit &&
    !state.legs.debits.has(transferId)
  )
    state.legs.debits.set(transferId, recorded);
  if (
    transferId !== null &&
    recorded.kind === MovementKind.transferCredit &&
    recorded.status === TransactionStatus.applied
  )
    state.legs.credited.add(transferId);
  batch.inserts.set(recorded.transactionId, {
    recorded,
    rejectionReason: decision.outcome === 'rejected' ? decision.reason : null,
    balanceAfter: decision.outcome === 'applied' ? decision.balanceAfter : null,
    originalTransactionId: originalIdOf(request) ?? null,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    partition: record.origin.partition,
    offset: record.origin.offset,
  });
  // The decision as a fact, beside the row it writes: what a rebuild applies.
  if (decision.outcome === 'applied' || decision.outcome === 'rejected')
    batch.outbox.push(
      derivedOutboxMessageOf(transactionOutcomeOf(event, record.origin, request, decision), batch.source),
    );
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
    const work = workOf(records);
    const state = await loadLedgerState(db, work);
    const batch: BatchWrites = {
      inserts: new Map(),
      reversedOriginals: new Map(),
      touched: new Map(),
      entries: [],
      outbox: [],
      deferred: [],
      counts: {},
      source: { topic: TopicName.transactionEvents, partition: records[0]?.origin.partition ?? 0 },
    };
    for (const item of work) applyRecord(item, state, batch, context);
    insertTransactions(writes, [...batch.inserts.values()]);
    updateReversed(writes, [...batch.reversedOriginals.values()]);
    insertEntries(writes, batch.entries);
    updateAccounts(writes, [...batch.touched.values()]);
    return { outbox: batch.outbox, deferred: batch.deferred, counts: batch.counts };
  },
};
