import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { FailureClass, TopicName } from '../../schemas';
import type { Queryable } from '../database';
import { inTransaction, type TransactionTimeouts, transactionTimeoutsOf } from '../database';
import { accountProjector, transactionProjector } from '../ledger';
import { buildMskEvent, decodeBillingMskEvent } from '../msk';
import type { EventPublisher } from '../outbox';
import { projectPartition } from '../projection/runner';
import type { TopicProjector } from '../projection/types';
import { transferSagaProjector } from '../saga/projector';
import { LetterFailureCode } from './constants';
import { DeadLetterError, LeaseLostError } from './errors';
import { type OutOfRetriesSettler, settlerOfTopic } from './settle';
import type { AttemptOutcome, StoredLetter } from './store';

/** The projector that consumes each topic: a letter is re-applied by its source topic's projector. */
export const projectorOfTopic: Readonly<Record<string, TopicProjector>> = {
  [TopicName.accountEvents]: accountProjector,
  [TopicName.transactionEvents]: transactionProjector,
  [TopicName.sagaEvents]: transferSagaProjector,
};

/** The stored source record as the MSK event its trigger delivered (JSON round trip, as Lambda hands it over). */
export function mskEventOfLetter(letter: StoredLetter): unknown {
  const { source } = letter;
  const event = buildMskEvent({
    eventSourceArn: 'dead-letter-replay',
    bootstrapServers: [],
    records: [
      {
        topic: source.topic,
        partition: source.partition,
        offset: source.offset,
        timestamp: Date.parse(source.timestamp),
        key: source.key === null ? null : Buffer.from(source.key, 'base64'),
        value: source.value === null ? null : Buffer.from(source.value, 'base64'),
        headers: source.headers.map((header) => ({
          key: header.key,
          value: header.value === null ? null : Buffer.from(header.value, 'base64'),
        })),
      },
    ],
  });
  return JSON.parse(JSON.stringify(event));
}

/**
 * Step 1, its own transaction, under the letter's row lock: a closed letter is not re-applied; if
 * the handler's processed marker of the record stands for its dead-lettering, it is deleted and
 * the letter remembers that any marker from now on was written by someone else.
 */
async function clearDeadLetterMarker(
  pool: Pool,
  letter: { readonly id: string; readonly token: string },
  consumer: string,
  eventId: string,
  timeouts: TransactionTimeouts | undefined,
): Promise<{ readonly closed: string } | { readonly leaseLost: true } | { readonly open: true }> {
  const letterId = letter.id;
  return inTransaction(
    pool,
    async (client) => {
      const { rows } = await client.query<{
        status: string;
        marker_state: string;
        lease_token: string | null;
      }>('SELECT status, marker_state, lease_token FROM dead_letters WHERE id = $1 FOR UPDATE', [letterId]);
      const row = rows[0];
      if (!row) throw new DeadLetterError(`dead letter ${letterId} does not exist`);
      if (row.status === 'resolved' || row.status === 'discarded') {
        return { closed: row.status };
      }
      // Another claimer took the letter after this one's lease ran out: it alone may touch it.
      if (row.lease_token !== letter.token) return { leaseLost: true as const };
      if (row.marker_state === 'dead-letter') {
        await client.query('DELETE FROM processed_events WHERE consumer = $1 AND event_id = $2', [
          consumer,
          eventId,
        ]);
        await client.query(`UPDATE dead_letters SET marker_state = 'cleared' WHERE id = $1`, [letterId]);
      }
      return { open: true as const };
    },
    timeouts,
  );
}

/**
 * The compare-and-set of every write a re-application makes to its letter: the letter is still
 * open and still held by this attempt's lease. Otherwise the batch's transaction is rolled back
 * (the effect never commits without its letter's resolution): the lease ran out and another
 * claimer took the letter, or an operator discarded it meanwhile.
 */
async function updateHeldLetter(
  db: Queryable,
  letter: { readonly id: string; readonly token: string },
  set: string,
  values: readonly unknown[],
): Promise<void> {
  const updated = await db.query(
    `UPDATE dead_letters SET ${set}
      WHERE id = $1 AND lease_token = $2 AND status IN ('received', 'retrying', 'parked')`,
    [letter.id, letter.token, ...values],
  );
  if (updated.rowCount !== 1) {
    throw new LeaseLostError(
      `dead letter ${letter.id}: no longer held by this attempt (its lease ran out and another claimer took it, or it was closed meanwhile); nothing of this attempt was committed`,
    );
  }
}

/**
 * The topic's projector, unchanged, plus one write in the batch's own transaction: the letter is
 * resolved when the record was applied, or its marker state restored when the record was
 * deferred again (the runner has just re-marked it processed as dead-lettered). On the last
 * attempt, `settle` may turn a record deferred again into its outcome instead (a rejection and
 * its events): the letter is then resolved, in that same transaction, never to be re-applied.
 */
function watchingProjector(
  projector: TopicProjector,
  letter: { readonly id: string; readonly token: string },
  eventId: string,
  settle: OutOfRetriesSettler | undefined,
) {
  const seen: {
    outcome?:
      | 'applied'
      | { rejected: string }
      | { failure: { code: string; message: string; failureClass: FailureClass } };
  } = {};
  const watching: TopicProjector = {
    name: projector.name,
    topic: projector.topic,
    async project(db, records, writes, context) {
      const output = await projector.project(db, records, writes, context);
      const deferred = output.deferred.find((entry) => entry.record.event.eventId === eventId);
      const settled = deferred && settle?.(deferred.record, deferred.failure);
      if (deferred && settled) {
        await updateHeldLetter(
          db,
          letter,
          `status = 'resolved', next_attempt_at = NULL, marker_state = 'dead-letter', updated_at = $3`,
          [context.now],
        );
        seen.outcome = { rejected: settled.reason };
        return {
          ...output,
          outbox: [...output.outbox, ...settled.outbox],
          deferred: output.deferred.filter((entry) => entry !== deferred),
        };
      }
      if (deferred) {
        await updateHeldLetter(db, letter, `marker_state = 'dead-letter'`, []);
        seen.outcome = { failure: deferred.failure };
      } else if (records.some((record) => record.event.eventId === eventId)) {
        await updateHeldLetter(
          db,
          letter,
          `status = 'resolved', next_attempt_at = NULL, marker_state = 'dead-letter', updated_at = $3`,
          [context.now],
        );
        seen.outcome = 'applied';
      }
      return output;
    },
  };
  return { watching, seen };
}

/**
 * Re-applies one stored letter through the same code its original handler runs: the source
 * record rebuilt as an MSK event, decoded by decodeBillingMskEvent and projected by projectPartition
 * with the source topic's projector (processed markers, outbox, dead-lettering included).
 * Exactly once: the letter's resolution commits with the effect; a resolved letter is never re-applied.
 */
export async function reapplyLetter(
  letter: StoredLetter,
  dependencies: { readonly pool: Pool; readonly publisher: EventPublisher },
  context: {
    readonly now: Date;
    readonly logger: Logger;
    /** If this attempt fails, the letter is parked: a record deferred again may settle instead. */
    readonly lastAttempt: boolean;
    /** The lease the letter was claimed with: every statement of the attempt is bounded well below it. */
    readonly leaseMs?: number;
  },
): Promise<AttemptOutcome> {
  const batch = decodeBillingMskEvent(mskEventOfLetter(letter)).partitions[0];
  const record = batch?.records[0];
  if (!batch || !record)
    throw new DeadLetterError(`dead letter ${letter.id}: its source record did not decode`);
  if (!record.ok) {
    return {
      kind: 'failed',
      failureClass: FailureClass.permanent,
      code: record.failure.code,
      message: record.failure.message,
    };
  }
  const projector = projectorOfTopic[letter.source.topic];
  if (!projector) {
    return {
      kind: 'failed',
      failureClass: FailureClass.permanent,
      code: LetterFailureCode.noProjector,
      message: `no projector consumes ${letter.source.topic}`,
    };
  }
  const eventId = record.event.eventId;
  if (letter.leaseToken === null)
    throw new DeadLetterError(`dead letter ${letter.id}: re-applied without a lease (claim it first)`);
  const held = { id: letter.id, token: letter.leaseToken };
  const timeouts = transactionTimeoutsOf(context.leaseMs);
  try {
    const cleared = await clearDeadLetterMarker(dependencies.pool, held, projector.name, eventId, timeouts);
    if ('closed' in cleared) return { kind: 'already-closed', status: cleared.closed as 'resolved' };
    if ('leaseLost' in cleared)
      return {
        kind: 'error',
        message: `dead letter ${letter.id}: lease lost to another claimer; not attempted`,
      };
    const settle = context.lastAttempt ? settlerOfTopic[letter.source.topic] : undefined;
    const { watching, seen } = watchingProjector(projector, held, eventId, settle);
    await projectPartition(
      batch,
      { pool: dependencies.pool, publisher: dependencies.publisher, projector: watching },
      { now: context.now.toISOString(), logger: context.logger, timeouts },
    );
    if (seen.outcome === 'applied') return { kind: 'applied' };
    if (seen.outcome && 'rejected' in seen.outcome)
      return { kind: 'rejected', reason: seen.outcome.rejected };
    if (seen.outcome) {
      return {
        kind: 'failed',
        failureClass: seen.outcome.failure.failureClass,
        code: seen.outcome.failure.code,
        message: seen.outcome.failure.message,
      };
    }
    // Not handed to the projector: a processed marker that is not this letter's was there. The
    // record was applied (or dead-lettered again) by its trigger meanwhile: a person decides.
    return {
      kind: 'failed',
      failureClass: FailureClass.permanent,
      code: LetterFailureCode.markerPresent,
      message: `${projector.name} had already processed event ${eventId} by another path; check the read model, then discard or replay`,
    };
  } catch (error) {
    if (error instanceof DeadLetterError) throw error;
    const reason =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
        : String(error);
    return { kind: 'error', message: reason };
  }
}
