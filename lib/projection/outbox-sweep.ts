import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { inTransaction } from '../database';
import { billingTopics } from '../kafka/topic-specs';
import {
  type EventPublisher,
  lockOutboxSource,
  markPublishedThrough,
  type OutboxSource,
  publishEvents,
  publishedThrough,
  unpublishedOf,
} from '../outbox';

/** How long an outbox row may wait for its partition's next batch before a sweep publishes it. */
export const OUTBOX_SWEEP_AGE_MS = 60_000;

/** What one sweep did. */
export interface OutboxSweepReport {
  /** Source partitions whose leftovers were published. */
  readonly partitions: number;
  readonly published: number;
  /** Source partitions whose publish failed (the rows stay, for the next sweep or batch). */
  readonly errors: number;
}

/** The oldest unpublished row of a source partition: its creation time, or null if none. */
async function oldestUnpublishedAt(pool: Pool, producer: string, source: OutboxSource): Promise<Date | null> {
  const { rows } = await pool.query<{ created_at: Date }>(
    `SELECT o.created_at FROM outbox o
      WHERE o.producer = $1 AND o.source_topic = $2 AND o.source_partition = $3
        AND o.position > COALESCE((SELECT p.position FROM outbox_published p
                                    WHERE p.producer = $1 AND p.source_topic = $2 AND p.source_partition = $3), 0)
      ORDER BY o.position LIMIT 1`,
    [producer, source.topic, source.partition],
  );
  return rows[0]?.created_at ?? null;
}

/**
 * Publishes the outbox rows that wait for their source partition's next Lambda batch, which on a
 * quiet partition may never come (a re-application whose publish failed, a batch whose publish
 * failed and was never redelivered). For each producer and each partition of its topic with a row
 * older than `olderThanMs`: under the partition's outbox lock (the runner's), its unpublished rows
 * are read, published and marked published in one transaction, so a batch of that partition
 * neither interleaves nor publishes them again. Duplicates with a batch that published them just
 * before are harmless (deterministic ids).
 */
export async function publishLeftovers(
  pool: Pool,
  publisher: EventPublisher,
  producers: readonly { readonly name: string; readonly topic: string }[],
  context: { readonly now: Date; readonly logger: Logger; readonly olderThanMs?: number },
): Promise<OutboxSweepReport> {
  const cutoff = context.now.getTime() - (context.olderThanMs ?? OUTBOX_SWEEP_AGE_MS);
  let partitions = 0;
  let published = 0;
  let errors = 0;
  for (const producer of producers) {
    const count = billingTopics.find((spec) => spec.name === producer.topic)?.partitions ?? 0;
    for (let partition = 0; partition < count; partition++) {
      const source = { topic: producer.topic, partition };
      const oldest = await oldestUnpublishedAt(pool, producer.name, source);
      if (oldest === null || oldest.getTime() > cutoff) continue;
      try {
        const sent = await inTransaction(pool, async (client) => {
          await lockOutboxSource(client, producer.name, source);
          const leftovers = await unpublishedOf(client, producer.name, source);
          await publishEvents(
            publisher,
            leftovers.map((leftover) => leftover.event),
          );
          const through = publishedThrough(leftovers, undefined);
          if (through !== undefined)
            await markPublishedThrough(client, producer.name, source, context.now.toISOString(), through);
          return leftovers.length;
        });
        partitions += 1;
        published += sent;
      } catch (error) {
        errors += 1;
        context.logger.warn('Outbox leftovers not published; the next sweep or batch retries them', {
          producer: producer.name,
          topic: source.topic,
          partition,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  return { partitions, published, errors };
}
