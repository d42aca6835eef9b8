import type { BillingEvent } from '../../schemas';
import { MAX_LEFTOVERS_PER_PARTITION } from './constants';
import { OutboxPublishError } from './errors';
import type { EventPublisher, OutboxMessage, OutboxSource, Queryable } from './types';

/**
 * One INSERT of outbox rows, as a data-modifying CTE body. `recordset` turns rows into a
 * `json_to_recordset(...) AS r(...)` source (one JSON parameter: one round trip, no per-row SQL).
 */
export function outboxInsert(
  producer: string,
  messages: readonly OutboxMessage[],
  createdAt: string,
  param: (value: unknown, type: string) => string,
  recordset: (rows: readonly Record<string, unknown>[], columns: string) => string,
): string {
  const rows = messages.map((m) => ({
    event_id: m.eventId,
    topic: m.topic,
    message_key: m.key,
    event_type: m.eventType,
    value: m.value,
    headers: m.headers,
    source_topic: m.source.topic,
    source_partition: m.source.partition,
  }));
  return `INSERT INTO outbox (event_id, producer, topic, message_key, event_type, value, headers, source_topic, source_partition, created_at)
    SELECT r.event_id, ${param(producer, 'text')}, r.topic, r.message_key, r.event_type, r.value, r.headers, r.source_topic, r.source_partition, ${param(createdAt, 'timestamptz')}
    FROM ${recordset(
      rows,
      'event_id uuid, topic text, message_key text, event_type text, value text, headers jsonb, source_topic text, source_partition int',
    )}
    ON CONFLICT (event_id) DO NOTHING`;
}

/** Unpublished rows of a producer from one source partition, oldest first (bounded). */
export async function unpublishedOf(
  db: Queryable,
  producer: string,
  source: OutboxSource,
  limit = MAX_LEFTOVERS_PER_PARTITION,
): Promise<{ eventId: string; event: BillingEvent; position: string }[]> {
  const { rows } = await db.query<{ event_id: string; value: string; position: string }>(
    `SELECT o.event_id, o.value, o.position FROM outbox o
      WHERE o.producer = $1 AND o.source_topic = $2 AND o.source_partition = $3
        AND o.position > COALESCE((SELECT p.position FROM outbox_published p
                                    WHERE p.producer = $1 AND p.source_topic = $2 AND p.source_partition = $3), 0)
      ORDER BY o.position LIMIT $4`,
    [producer, source.topic, source.partition, limit],
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    event: JSON.parse(row.value) as BillingEvent,
    position: row.position,
  }));
}

/**
 * Records that every outbox row of a source partition up to `position` (default: its latest row)
 * is published. One row per partition: the rows themselves are never updated.
 */
export async function markPublishedThrough(
  db: Queryable,
  producer: string,
  source: OutboxSource,
  publishedAt: string,
  position?: string,
): Promise<void> {
  await db.query(
    `INSERT INTO outbox_published (producer, source_topic, source_partition, position, published_at)
     SELECT $1, $2, $3, p.position, $4 FROM (
       SELECT COALESCE($5::bigint, (SELECT max(o.position) FROM outbox o
                                     WHERE o.producer = $1 AND o.source_topic = $2 AND o.source_partition = $3)) AS position
     ) p WHERE p.position IS NOT NULL
     ON CONFLICT (producer, source_topic, source_partition)
       DO UPDATE SET position = GREATEST(outbox_published.position, EXCLUDED.position), published_at = EXCLUDED.published_at`,
    [producer, source.topic, source.partition, publishedAt, position ?? null],
  );
}

/**
 * Publishes what earlier batches of a partition left unpublished, oldest first, in bounded rounds.
 * Returns how many were published; throws OutboxPublishError if Kafka refuses them.
 */
export async function publishLeftovers(
  db: Queryable,
  publisher: EventPublisher,
  producer: string,
  source: OutboxSource,
  publishedAt: string,
  maxRounds = 10,
): Promise<number> {
  let published = 0;
  for (let round = 0; round < maxRounds; round++) {
    const leftovers = await unpublishedOf(db, producer, source);
    if (leftovers.length === 0) return published;
    await publishEvents(
      publisher,
      leftovers.map((entry) => entry.event),
    );
    await markPublishedThrough(db, producer, source, publishedAt, leftovers.at(-1)?.position);
    published += leftovers.length;
    if (leftovers.length < MAX_LEFTOVERS_PER_PARTITION) return published;
  }
  throw new OutboxPublishError(
    `More than ${maxRounds * MAX_LEFTOVERS_PER_PARTITION} unpublished outbox rows for ${source.topic}-${source.partition}; the next invocation goes on`,
  );
}

/** Publishes events; a failure becomes OutboxPublishError (the rows stay unpublished). */
export async function publishEvents(
  publisher: EventPublisher,
  events: readonly BillingEvent[],
): Promise<void> {
  if (events.length === 0) return;
  try {
    await publisher.publish(events);
  } catch (error) {
    throw new OutboxPublishError(`Cannot publish ${events.length} outbox event(s)`, { cause: error });
  }
}

/**
 * Publishes outbox messages in order (trusted ones without schema parsing, if the publisher
 * supports it); a failure becomes OutboxPublishError (the rows stay unpublished).
 */
export async function publishMessages(
  publisher: EventPublisher,
  messages: readonly OutboxMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  if (!publisher.publishMessages) {
    await publishEvents(
      publisher,
      messages.map((message) => message.event),
    );
    return;
  }
  try {
    await publisher.publishMessages(messages);
  } catch (error) {
    throw new OutboxPublishError(`Cannot publish ${messages.length} outbox event(s)`, { cause: error });
  }
}
