import {
  FailureClass,
  isTransactionOutcome,
  TopicName,
  type TransactionOutcome,
  TransactionOutcomeType,
} from '../../schemas';
import type { Queryable } from '../database';
import { ProjectionMetric } from '../projection/constants';
import { ProjectionError } from '../projection/errors';
import type { FreshRecord, ProjectionContext, ProjectionOutput, TopicProjector } from '../projection/types';
import type { WriteBatch } from '../projection/write-batch';
import { DeferralCode, MovementKind, ProjectorName, TransactionStatus } from './constants';
import {
  insertEntries,
  insertTransactions,
  loadTransactions,
  lockAccounts,
  type TransactionInsert,
  updateAccounts,
  updateReversed,
} from './ledger-sql';
import type { AccountState, LedgerEntry, RecordedTransaction } from './types';

/** The ledger entries of an applied outcome, as the read model holds them. */
const entriesOf = (outcome: TransactionOutcome): LedgerEntry[] =>
  outcome.eventType === TransactionOutcomeType.transactionApplied
    ? outcome.payload.entries.map((entry) => ({
        ledgerAccount: entry.ledgerAccount,
        accountId: entry.accountId,
        amount: BigInt(entry.amount.minorUnits),
        currency: entry.amount.currency,
      }))
    : [];

/**
 * The rebuild's ledger projector: applies the facts of billing.transaction.outcomes (each movement
 * the transaction projector decided, with its entries and the balance after it) to accounts,
 * transactions and ledger entries, and decides nothing again: no rule runs, no clock or attempt
 * count is read, and what other topics say does not matter. An account's outcomes are on one
 * partition in the order they were decided, so its transactions, balances and versions come out as
 * they were live. The account rows come from billing.account.events (the account projector, which
 * reads nothing but that topic), folded first: an outcome whose account is still not there was
 * decided on an account the log does not hold (a database seeded by hand) and cannot be applied;
 * it is dead-lettered into the rebuild's own outbox, counted, and reported by `npm run rebuild`.
 * Emits nothing.
 */
export const transactionOutcomeProjector: TopicProjector = {
  name: ProjectorName.transactionOutcome,
  topic: TopicName.transactionOutcomes,

  async project(
    db: Queryable,
    records: readonly FreshRecord[],
    writes: WriteBatch,
    _context: ProjectionContext,
  ): Promise<ProjectionOutput> {
    const outcomes = records.map((record) => {
      if (!isTransactionOutcome(record.event)) {
        throw new ProjectionError(
          `${record.event.eventType} is not a transaction outcome (${record.origin.topic})`,
        );
      }
      return record.event;
    });
    const accounts = await lockAccounts(
      db,
      outcomes.map((outcome) => outcome.payload.accountId),
    );
    const originals = await loadTransactions(
      db,
      outcomes.flatMap((outcome) => outcome.payload.originalTransactionId ?? []),
    );

    const inserts = new Map<string, TransactionInsert>();
    const reversed = new Map<string, RecordedTransaction>();
    const touched = new Map<string, { account: AccountState; updatedAt: string }>();
    const entries: { transactionId: string; entry: LedgerEntry }[] = [];
    const deferred: ProjectionOutput['deferred'][number][] = [];
    const notApplicable = (record: FreshRecord, message: string) =>
      deferred.push({
        record,
        failure: { failureClass: FailureClass.deferred, code: DeferralCode.accountNotFound, message },
      });
    const counts: Record<string, number> = {};
    const count = (metric: ProjectionMetric) => {
      counts[metric] = (counts[metric] ?? 0) + 1;
    };

    for (const [index, outcome] of outcomes.entries()) {
      const { payload } = outcome;
      const record = records[index] as FreshRecord;
      const account = accounts.get(payload.accountId);
      if (account === undefined) {
        notApplicable(
          record,
          `account ${payload.accountId} of transaction ${payload.transactionId} is not in the rebuilt accounts (not opened in ${TopicName.accountEvents} below its captured end)`,
        );
        continue;
      }
      const applied = outcome.eventType === TransactionOutcomeType.transactionApplied;
      const amount = BigInt(payload.amount.minorUnits);
      const recorded: RecordedTransaction = {
        transactionId: payload.transactionId,
        accountId: payload.accountId,
        kind: payload.kind,
        status: applied ? TransactionStatus.applied : TransactionStatus.rejected,
        amount,
        currency: payload.amount.currency,
        transferId: payload.transferId ?? null,
        reversed: 0n,
      };
      inserts.set(payload.transactionId, {
        recorded,
        rejectionReason:
          outcome.eventType === TransactionOutcomeType.transactionRejected ? outcome.payload.reason : null,
        balanceAfter: applied ? BigInt(outcome.payload.balance.minorUnits) : null,
        originalTransactionId: payload.originalTransactionId ?? null,
        eventId: outcome.causationId,
        occurredAt: outcome.occurredAt,
        partition: payload.request.partition,
        offset: payload.request.offset,
      });
      if (!applied) {
        count(ProjectionMetric.movementsRejected);
        continue;
      }
      count(ProjectionMetric.movementsApplied);
      const own = entriesOf(outcome);
      for (const entry of own) entries.push({ transactionId: payload.transactionId, entry });
      const delta = own
        .filter((entry) => entry.accountId === payload.accountId)
        .reduce((sum, entry) => sum + entry.amount, 0n);
      const next = { ...account, balance: account.balance + delta, version: account.version + 1 };
      accounts.set(payload.accountId, next);
      touched.set(payload.accountId, { account: next, updatedAt: outcome.occurredAt });
      // A refund takes back part of its topup, a compensation its debit: the original's reversed amount.
      const originalId = payload.originalTransactionId;
      if (
        originalId !== undefined &&
        (payload.kind === MovementKind.refund || payload.kind === MovementKind.transferCompensation)
      ) {
        const pending = inserts.get(originalId);
        if (pending) {
          inserts.set(originalId, {
            ...pending,
            recorded: { ...pending.recorded, reversed: pending.recorded.reversed + amount },
          });
        } else {
          const original = reversed.get(originalId) ?? originals.get(originalId);
          if (original !== undefined)
            reversed.set(originalId, { ...original, reversed: original.reversed + amount });
        }
      }
    }

    insertTransactions(writes, [...inserts.values()]);
    updateReversed(writes, [...reversed.values()]);
    insertEntries(writes, entries);
    updateAccounts(writes, [...touched.values()]);
    return { outbox: [], deferred, counts };
  },
};
