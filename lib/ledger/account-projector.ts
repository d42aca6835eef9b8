import { type AccountEvent, AccountEventType, FailureClass, isAccountEvent, TopicName } from '../../schemas';
import type { Queryable } from '../database';
import { ProjectionMetric } from '../projection/constants';
import { ProjectionError } from '../projection/errors';
import type { FreshRecord, ProjectionContext, ProjectionOutput, TopicProjector } from '../projection/types';
import type { WriteBatch } from '../projection/write-batch';
import { decideAccountOpening, decideStatusChange } from './account-rules';
import { ProjectorName } from './constants';
import { insertAccounts, lockAccounts, updateAccounts } from './ledger-sql';
import type { AccountDecision, AccountState } from './types';

/** The decision an account event leads to; AccountBalanceChanged (emitted by earlier versions, now TransactionApplied's balance) changes no state. */
function decideAccountEvent(
  event: AccountEvent,
  state: AccountState | undefined,
): AccountDecision | undefined {
  switch (event.eventType) {
    case AccountEventType.accountOpened:
      return decideAccountOpening(event.payload, state);
    case AccountEventType.accountStatusChanged:
      return decideStatusChange(event.payload, state);
    case AccountEventType.accountBalanceChanged:
      return undefined;
    default: {
      const unknown: never = event;
      throw new ProjectionError(`Unknown account event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The account projector: opens accounts and changes their status. Per batch: one locking read of
 * the accounts, the rules in memory in offset order, one write statement (new accounts inserted in
 * their final state, existing ones updated).
 */
export const accountProjector: TopicProjector = {
  name: ProjectorName.account,
  topic: TopicName.accountEvents,

  async project(
    db: Queryable,
    records: readonly FreshRecord[],
    writes: WriteBatch,
    context: ProjectionContext,
  ): Promise<ProjectionOutput> {
    const events = records.map((record) => {
      if (!isAccountEvent(record.event)) {
        throw new ProjectionError(
          `${record.event.eventType} is not an account event (${record.origin.topic})`,
        );
      }
      return { record, event: record.event };
    });
    const accounts = await lockAccounts(
      db,
      events.map(({ event }) => event.payload.accountId),
    );
    const opened = new Map<
      string,
      { account: AccountState; openedAt: string; updatedAt: string; ownerPrincipal: string | null }
    >();
    const changed = new Map<string, { account: AccountState; updatedAt: string }>();
    const deferred: ProjectionOutput['deferred'][number][] = [];
    const counts: Record<string, number> = {};
    const count = (metric: ProjectionMetric) => {
      counts[metric] = (counts[metric] ?? 0) + 1;
    };

    for (const { record, event } of events) {
      const accountId = event.payload.accountId;
      const decision = decideAccountEvent(event, accounts.get(accountId));
      if (decision === undefined) continue;
      switch (decision.outcome) {
        case 'opened':
          accounts.set(accountId, decision.account);
          opened.set(accountId, {
            account: decision.account,
            openedAt: event.occurredAt,
            updatedAt: event.occurredAt,
            ownerPrincipal:
              event.eventType === AccountEventType.accountOpened
                ? (event.payload.ownerPrincipal ?? null)
                : null,
          });
          count(ProjectionMetric.accountChanges);
          break;
        case 'statusChanged': {
          accounts.set(accountId, decision.account);
          const fresh = opened.get(accountId);
          if (fresh)
            opened.set(accountId, { ...fresh, account: decision.account, updatedAt: event.occurredAt });
          else changed.set(accountId, { account: decision.account, updatedAt: event.occurredAt });
          count(ProjectionMetric.accountChanges);
          break;
        }
        case 'ignored':
          count(ProjectionMetric.accountEventsIgnored);
          context.logger.info('Account event changes nothing', {
            eventType: event.eventType,
            accountId,
            reason: decision.reason,
          });
          break;
        case 'deferred':
          deferred.push({
            record,
            failure: { failureClass: FailureClass.deferred, code: decision.code, message: decision.message },
          });
          break;
        default: {
          const unknown: never = decision;
          throw new ProjectionError(`Unknown decision ${JSON.stringify(unknown)}`);
        }
      }
    }
    insertAccounts(writes, [...opened.values()]);
    updateAccounts(writes, [...changed.values()]);
    return { outbox: [], deferred, counts };
  },
};
