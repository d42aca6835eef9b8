import type { Pool } from 'pg';
import type { EventPublisher } from '../outbox';
import { publishLeftovers } from '../projection/outbox-sweep';
import { DeadLetterStatus, LetterAction } from './constants';
import { projectorOfTopic, reapplyLetter } from './reapply';
import { isLastAttempt } from './schedule';
import {
  claimDueLetters,
  claimDueLettersOfShard,
  claimLetter,
  recordAttempt,
  type StoredLetter,
} from './store';
import type { RetrierContext } from './types';

/** What one retrier run did. */
export interface RetrierReport {
  readonly attempted: number;
  /** Letters closed: applied, or rejected when out of retries (those count in `rejected` too). */
  readonly resolved: number;
  /** Records rejected instead of parked when their retries ran out (a transfer credit whose destination never opened). */
  readonly rejected: number;
  readonly retryLater: number;
  readonly parked: number;
  readonly errors: number;
  /** Outbox rows published by the sweep (leftovers older than a minute, of any source partition). */
  readonly outboxPublished: number;
}

/** How a run claims its due letters (all of them, or one shard's). */
type ClaimDue = (
  pool: Pool,
  options: { readonly now: Date; readonly limit: number; readonly leaseMs: number },
) => Promise<{ readonly token: string; readonly letters: StoredLetter[] }>;

interface AttemptDependencies {
  readonly pool: Pool;
  readonly publisher: EventPublisher;
}

async function attemptClaimed(
  letter: StoredLetter,
  token: string,
  dependencies: AttemptDependencies,
  context: RetrierContext & {
    readonly actor: string;
    readonly action: LetterAction;
    readonly reason?: string;
  },
) {
  // A replay is the last word only for a parked letter (out of retries, or permanent): a letter
  // that still has retries is re-applied now, and given up by no one but its schedule.
  const lastAttempt = isLastAttempt({
    attempt: letter.attempts + 1,
    replay: context.action === LetterAction.replay && letter.status === DeadLetterStatus.parked,
    settings: context.settings,
  });
  const outcome = await reapplyLetter(letter, dependencies, {
    ...context,
    lastAttempt,
    leaseMs: context.settings.leaseMs,
  });
  const recorded = await recordAttempt(dependencies.pool, letter, outcome, {
    token,
    now: context.now,
    settings: context.settings,
    random: context.random(),
    actor: context.actor,
    action: context.action,
    ...(context.reason === undefined ? {} : { reason: context.reason }),
  });
  if (recorded.parked) {
    context.logger.warn('Dead letter parked', {
      deadLetterId: letter.id,
      topic: letter.source.topic,
      partition: letter.source.partition,
      offset: letter.source.offset,
      reason: recorded.reason,
    });
  }
  return { outcome, parked: recorded.parked };
}

/**
 * One run of the scheduled retrier: claims the due retryable letters (SKIP LOCKED and a lease, so
 * concurrent runs never share one) and re-applies each through its projector; a failure is
 * retried after the backoff or parked after the last attempt.
 */
export async function retryDueLetters(
  dependencies: AttemptDependencies,
  context: RetrierContext,
): Promise<RetrierReport> {
  const report = await retryClaimedBatch(dependencies, context, (pool, options) =>
    claimDueLetters(pool, options),
  );
  return sweepLeftovers(report, dependencies, context);
}

/** One claimed batch of due letters re-applied (no outbox sweep: a run sweeps once). */
async function retryClaimedBatch(
  dependencies: AttemptDependencies,
  context: RetrierContext,
  claim: ClaimDue,
): Promise<RetrierReport> {
  const { token, letters } = await claim(dependencies.pool, {
    now: context.now,
    limit: context.settings.batchSize,
    leaseMs: context.settings.leaseMs,
  });
  const report = { ...EMPTY_REPORT, attempted: letters.length };
  for (const letter of letters) {
    const { outcome, parked } = await attemptClaimed(letter, token, dependencies, {
      ...context,
      actor: 'dead-letter-retrier',
      action: LetterAction.attempt,
    });
    if (outcome.kind === 'applied' || outcome.kind === 'already-closed') report.resolved += 1;
    else if (outcome.kind === 'rejected') {
      report.resolved += 1;
      report.rejected += 1;
      context.logger.warn('Dead letter rejected out of retries', {
        deadLetterId: letter.id,
        topic: letter.source.topic,
        partition: letter.source.partition,
        offset: letter.source.offset,
        reason: outcome.reason,
      });
    } else if (outcome.kind === 'error') report.errors += 1;
    else if (parked) report.parked += 1;
    else report.retryLater += 1;
  }
  return report;
}

/**
 * Rows a re-application (or a batch) failed to publish would wait for their partition's next
 * batch, which on a quiet partition never comes: every run publishes those older than a minute.
 */
async function sweepLeftovers(
  report: RetrierReport,
  dependencies: AttemptDependencies,
  context: RetrierContext,
): Promise<RetrierReport> {
  // Rows a re-application (or a batch) failed to publish would wait for their partition's next
  // batch, which on a quiet partition never comes: every run publishes those older than a minute.
  const swept = await publishLeftovers(
    dependencies.pool,
    dependencies.publisher,
    Object.values(projectorOfTopic),
    context,
  );
  return {
    ...report,
    outboxPublished: report.outboxPublished + swept.published,
    errors: report.errors + swept.errors,
  };
}

/** How a drain of the due letters is sized (docs/dead-letters.md). */
export interface DrainSettings {
  /** Shards retried in parallel (source partition mod shards): one key's letters stay in order. */
  readonly shards: number;
  /** No batch is claimed after this many milliseconds (the function timeout minus a margin). */
  readonly budgetMs: number;
}

/** A run that did nothing. */
export const EMPTY_REPORT: RetrierReport = {
  attempted: 0,
  resolved: 0,
  rejected: 0,
  retryLater: 0,
  parked: 0,
  errors: 0,
  outboxPublished: 0,
};

/** Two runs' reports added up. */
export const sumReports = (a: RetrierReport, b: RetrierReport): RetrierReport => ({
  attempted: a.attempted + b.attempted,
  resolved: a.resolved + b.resolved,
  rejected: a.rejected + b.rejected,
  retryLater: a.retryLater + b.retryLater,
  parked: a.parked + b.parked,
  errors: a.errors + b.errors,
  outboxPublished: a.outboxPublished + b.outboxPublished,
});

/**
 * One run of the scheduled retrier on a backlog: `shards` loops in parallel, each claiming batches
 * of its shard's due letters (`claimDueLettersOfShard`) and re-applying them in their source order
 * (retryDueLetters), until none is due or the time budget is spent. The letters of one key (one
 * account) belong to one shard, so they are retried in order.
 */
export async function drainDueLetters(
  dependencies: AttemptDependencies,
  context: Omit<RetrierContext, 'now'> & { readonly clock: () => Date; readonly drain: DrainSettings },
): Promise<RetrierReport & { readonly batches: number }> {
  const started = context.clock().getTime();
  const { shards, budgetMs } = context.drain;
  let batches = 0;
  const drainShard = async (shard: number): Promise<RetrierReport> => {
    let report = EMPTY_REPORT;
    while (context.clock().getTime() - started < budgetMs) {
      const batch = await retryClaimedBatch(
        dependencies,
        { ...context, now: context.clock() },
        (pool, options) => claimDueLettersOfShard(pool, { ...options, shard, shards }),
      );
      batches += 1;
      report = sumReports(report, batch);
      if (batch.attempted < context.settings.batchSize) break;
    }
    return report;
  };
  const reports = await Promise.all(Array.from({ length: shards }, (_, shard) => drainShard(shard)));
  const drained = await sweepLeftovers(reports.reduce(sumReports, EMPTY_REPORT), dependencies, {
    ...context,
    now: context.clock(),
  });
  return { ...drained, batches };
}

/** An operator's replay of one letter (parked, or due later), now. */
export async function replayLetter(
  id: string,
  dependencies: AttemptDependencies,
  context: RetrierContext & { readonly by: string },
): Promise<{ readonly id: string; readonly result: string }> {
  const claimed = await claimLetter(dependencies.pool, id, {
    now: context.now,
    leaseMs: context.settings.leaseMs,
  });
  if ('busy' in claimed) {
    if (claimed.busy === null) return { id, result: 'no such letter' };
    return {
      id,
      result:
        claimed.busy.status === 'resolved' || claimed.busy.status === 'discarded'
          ? `unchanged: already ${claimed.busy.status}`
          : 'busy: a retrier holds it, try again later',
    };
  }
  const { outcome, parked } = await attemptClaimed(claimed.letter, claimed.token, dependencies, {
    ...context,
    actor: context.by,
    action: LetterAction.replay,
  });
  switch (outcome.kind) {
    case 'applied':
      return { id, result: 'applied: resolved' };
    case 'rejected':
      return { id, result: `rejected (${outcome.reason}): resolved` };
    case 'already-closed':
      return { id, result: `unchanged: already ${outcome.status}` };
    case 'failed':
      return {
        id,
        result: `failed again (${outcome.code}: ${outcome.message})${
          parked
            ? ': parked'
            : claimed.letter.status === 'parked'
              ? ': parked still'
              : ': retried on its schedule'
        }`,
      };
    case 'error':
      return { id, result: `error, nothing changed: ${outcome.message}` };
    default: {
      const never: never = outcome;
      return never;
    }
  }
}
