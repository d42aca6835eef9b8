import type { Pool, PoolClient } from 'pg';
import { type BillingEvent, FailureClass } from '../../schemas';
import { inTransaction } from '../database';
import type { DecodedMskEvent, MskPartitionBatch } from '../msk';
import {
  type EventPublisher,
  lockOutboxSource,
  markPublishedThrough,
  type OutboxMessage,
  type OutboxSource,
  outboxInsert,
  outboxMessageOf,
  publishEvents,
  publishedThrough,
  publishMessages,
  unpublishedOf,
} from '../outbox';
import { INTEGRITY_CONSTRAINT_VIOLATION_CLASS, ProjectionFailureCode, ProjectionMetric } from './constants';
import { buildDeadLetter } from './dead-letter';
import { ProjectionBatchError, TransientProjectionError } from './errors';
import { claimMarkers, markerIdOf } from './processed-markers';
import type {
  FreshRecord,
  PartitionReport,
  ProjectionContext,
  ProjectionOutput,
  ProjectionReport,
  TopicProjector,
} from './types';
import { WriteBatch } from './write-batch';

/** What a projection run needs: the database, a publisher for the outbox, the projector. */
export interface ProjectionDependencies {
  readonly pool: Pool;
  readonly publisher: EventPublisher;
  readonly projector: TopicProjector;
}

type Counts = Partial<Record<ProjectionMetric, number>>;

const add = (counts: Counts, metric: ProjectionMetric, by = 1) => {
  if (by !== 0) counts[metric] = (counts[metric] ?? 0) + by;
};

/**
 * Projects a decoded MSK event: each partition's batch in its own database transaction (in
 * parallel across partitions, in offset order within one). Throws ProjectionBatchError if any
 * partition failed (transient: the invocation must fail and be redelivered); the partitions that
 * committed are then no-ops on redelivery.
 */
export async function projectMskEvent(
  decoded: DecodedMskEvent<BillingEvent>,
  dependencies: ProjectionDependencies,
  context: ProjectionContext,
): Promise<ProjectionReport> {
  const settled = await Promise.allSettled(
    decoded.partitions.map((batch) => projectPartition(batch, dependencies, context)),
  );
  const partitions: PartitionReport[] = [];
  const failures: TransientProjectionError[] = [];
  settled.forEach((outcome, index) => {
    const batch = decoded.partitions[index];
    if (outcome.status === 'fulfilled') partitions.push(outcome.value);
    else if (outcome.reason instanceof TransientProjectionError) failures.push(outcome.reason);
    else
      failures.push(
        new TransientProjectionError(batch?.topic ?? '?', batch?.partition ?? -1, { cause: outcome.reason }),
      );
  });
  if (failures.length > 0) throw new ProjectionBatchError(failures);
  const totals: Counts = {};
  for (const report of partitions) {
    for (const [metric, value] of Object.entries(report.counts))
      add(totals, metric as ProjectionMetric, value);
  }
  return { partitions, totals };
}

/**
 * One partition's batch, exactly once. (1) In ONE transaction, holding the partition's outbox lock
 * (a dead-letter re-application writes the same partition's outbox): read what earlier batches
 * left unpublished; mark the batch's records processed, which tells the ones processed before (or
 * repeated in the batch), skipped; let the projector apply the fresh ones; dead-letter undecodable
 * and deferred ones through the outbox; write the effects in one statement. (2) After commit, publish the leftovers, then the
 * batch's own rows, and mark the partition published through the last row with no gap before it.
 * Any failure before commit rolls everything back and throws; a failed publish leaves the rows
 * unpublished for the next batch.
 */
export async function projectPartition(
  batch: MskPartitionBatch<BillingEvent>,
  dependencies: ProjectionDependencies,
  context: ProjectionContext,
): Promise<PartitionReport> {
  try {
    return await projectPartitionOnce(batch, dependencies, context);
  } catch (error) {
    if (!isConstraintViolation(error))
      throw new TransientProjectionError(batch.topic, batch.partition, { cause: error });
  }
  // A constraint violation fails the whole batch's statement: the records are projected one at a
  // time to find the one at fault, which is dead-lettered as permanent; the others apply.
  try {
    return await projectOneByOne(batch, dependencies, context);
  } catch (error) {
    throw new TransientProjectionError(batch.topic, batch.partition, { cause: error });
  }
}

/** True for a PostgreSQL integrity constraint violation (SQLSTATE class 23). */
export const isConstraintViolation = (error: unknown): error is Error & { readonly code: string } => {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && code.length === 5 && code.startsWith(INTEGRITY_CONSTRAINT_VIOLATION_CLASS)
  );
};

/**
 * Each record of the batch in its own transaction, in offset order. A record whose own
 * transaction still violates a constraint (a race with another partition would not, the second
 * time) is a permanent failure: its marker and its dead letter commit, and the partition moves on.
 */
async function projectOneByOne(
  batch: MskPartitionBatch<BillingEvent>,
  dependencies: ProjectionDependencies,
  context: ProjectionContext,
): Promise<PartitionReport> {
  const counts: Counts = {};
  for (const record of batch.records) {
    const single = { ...batch, records: [record] };
    let report: PartitionReport;
    try {
      report = await projectPartitionOnce(single, dependencies, context);
    } catch (error) {
      if (!isConstraintViolation(error) || !record.ok) throw error;
      const violation = error as Error & { code: string; constraint?: string; table?: string };
      report = await projectPartitionOnce(
        single,
        { ...dependencies, projector: refusingProjector(dependencies.projector, violation) },
        context,
      );
    }
    for (const [metric, value] of Object.entries(report.counts))
      add(counts, metric as ProjectionMetric, value);
  }
  return { topic: batch.topic, partition: batch.partition, counts };
}

/** A projector that defers every record as a permanent constraint violation (dead-lettered by the runner). */
const refusingProjector = (
  projector: TopicProjector,
  violation: Error & { code: string; constraint?: string; table?: string },
): TopicProjector => ({
  name: projector.name,
  topic: projector.topic,
  async project(_db, records) {
    return {
      outbox: [],
      counts: {},
      deferred: records.map((record) => ({
        record,
        failure: {
          failureClass: FailureClass.permanent,
          code: ProjectionFailureCode.constraintViolation,
          message: `SQLSTATE ${violation.code}${violation.table ? ` on ${violation.table}` : ''}${
            violation.constraint ? ` (${violation.constraint})` : ''
          }: ${violation.message}`,
        },
      })),
    };
  },
});

/** projectPartition's one try: throws whatever failed, nothing of the batch committed. */
async function projectPartitionOnce(
  batch: MskPartitionBatch<BillingEvent>,
  { pool, publisher, projector }: ProjectionDependencies,
  context: ProjectionContext,
): Promise<PartitionReport> {
  const counts: Counts = {};
  const source = { topic: batch.topic, partition: batch.partition };
  add(counts, ProjectionMetric.recordsReceived, batch.records.length);
  const committed = await inTransaction(
    pool,
    (client) => projectInTransaction(client, batch, projector, source, counts, context),
    context.timeouts,
  );
  await publishCommitted(publisher, pool, projector.name, source, committed, context);
  add(counts, ProjectionMetric.outboxPublished, committed.leftovers.length + committed.messages.length);
  return { ...source, counts };
}

/** What a partition's transaction committed to its outbox: earlier leftovers, its own rows and their last position. */
interface CommittedOutbox {
  readonly leftovers: Awaited<ReturnType<typeof unpublishedOf>>;
  readonly messages: readonly OutboxMessage[];
  readonly through: string | undefined;
}

/**
 * Step (1) of projectPartition, inside the partition's transaction: lock the partition's outbox,
 * read its leftovers, claim the records, project the fresh ones, dead-letter the deferred ones and
 * write the effects and outbox rows in one statement.
 */
async function projectInTransaction(
  client: PoolClient,
  batch: MskPartitionBatch<BillingEvent>,
  projector: TopicProjector,
  source: OutboxSource,
  counts: Counts,
  context: ProjectionContext,
): Promise<CommittedOutbox> {
  await lockOutboxSource(client, projector.name, source);
  // Committed by earlier batches (or a re-application) and not published: they go out first.
  const leftovers = await unpublishedOf(client, projector.name, source);
  const { fresh, messages } = await claimRecords(client, batch, projector.name, source, counts, context);
  const writes = new WriteBatch();
  const output = fresh.length > 0 ? await projector.project(client, fresh, writes, context) : undefined;
  for (const [metric, value] of Object.entries(output?.counts ?? {}))
    add(counts, metric as ProjectionMetric, value);
  messages.push(...(output?.outbox ?? []));
  messages.push(...deadLettersOfDeferred(output?.deferred ?? [], projector.name, source, context));
  add(
    counts,
    ProjectionMetric.deadLettered,
    messages.filter((message) => message.eventType === 'DeadLetterRecorded').length,
  );
  if (messages.length > 0)
    writes.add(outboxInsert(projector.name, messages, context.now, writes.param, writes.recordset), {
      name: 'outbox_through',
      expression: 'max(position)::text',
    });
  const written = await writes.execute(client);
  const through = written.outbox_through;
  return { leftovers, messages, through: typeof through === 'string' ? through : undefined };
}

/**
 * Claims the batch's processed markers. A record processed before, or repeated earlier in the
 * batch, is skipped; an undecodable one becomes a dead letter; the others are fresh.
 */
async function claimRecords(
  client: PoolClient,
  batch: MskPartitionBatch<BillingEvent>,
  handler: string,
  source: OutboxSource,
  counts: Counts,
  context: ProjectionContext,
): Promise<{ fresh: FreshRecord[]; messages: OutboxMessage[] }> {
  const markers = batch.records.map((record) => ({
    id: markerIdOf(record),
    origin: record.origin,
    record,
  }));
  const unclaimed = await claimMarkers(client, handler, markers, context.now);
  const fresh: FreshRecord[] = [];
  const messages: OutboxMessage[] = [];
  for (const { id, record } of markers) {
    // Claimed once: a record processed before, or repeated earlier in this batch, is skipped.
    if (!unclaimed.delete(id.toLowerCase())) {
      add(counts, ProjectionMetric.recordsSkipped);
      continue;
    }
    if (record.ok) {
      fresh.push({ event: record.event, origin: record.origin });
      continue;
    }
    const letter = buildDeadLetter({
      origin: record.origin,
      failure: record.failure,
      handler,
      failedAt: context.now,
    });
    messages.push(outboxMessageOf(letter, source));
    context.logger.warn('Record dead-lettered', {
      topic: record.origin.topic,
      partition: record.origin.partition,
      offset: record.origin.offset,
      failureClass: record.failure.failureClass,
      code: record.failure.code,
      reason: record.failure.message,
    });
  }
  return { fresh, messages };
}

/** The dead letters of the records the projector deferred, as outbox messages. */
function deadLettersOfDeferred(
  deferred: ProjectionOutput['deferred'],
  handler: string,
  source: OutboxSource,
  context: ProjectionContext,
): OutboxMessage[] {
  return deferred.map(({ record, failure }) => {
    context.logger.warn('Record deferred to the dead-letter topic', {
      topic: record.origin.topic,
      partition: record.origin.partition,
      offset: record.origin.offset,
      eventId: record.event.eventId,
      failureClass: failure.failureClass,
      code: failure.code,
    });
    return outboxMessageOf(
      buildDeadLetter({
        origin: record.origin,
        failure,
        handler,
        failedAt: context.now,
        cause: { eventId: record.event.eventId, correlationId: record.event.correlationId },
      }),
      source,
    );
  });
}

/**
 * Step (2) of projectPartition, after commit: publish the leftovers, then the batch's own rows, and
 * mark the partition published through the last row with no gap before it.
 */
async function publishCommitted(
  publisher: EventPublisher,
  pool: Pool,
  handler: string,
  source: OutboxSource,
  committed: CommittedOutbox,
  context: ProjectionContext,
): Promise<void> {
  await publishEvents(
    publisher,
    committed.leftovers.map((leftover) => leftover.event),
  );
  await publishMessages(publisher, committed.messages);
  const through = publishedThrough(committed.leftovers, committed.through);
  if (through !== undefined) await markPublishedThrough(pool, handler, source, context.now, through);
}
