import { FailureClass, isTransactionEvent, TopicName } from '../../schemas';
import type { Queryable } from '../database';
import { derivedOutboxMessageOf, type OutboxMessage } from '../outbox';
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
  type TransactionInsert,
  updateAccounts,
  updateReversed,
} from './ledger-sql';
import { eventsOfDecision, movementRequestOf } from './movement-events';
import { decideMovement, evolveMovement, originalIdOf, transferIdOf } from './movement-rules';
import { transactionOutcomeOf } from './transaction-outcomes';
import type { AccountState, LedgerEntry, MovementRequest, RecordedTransaction } from './types';

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
