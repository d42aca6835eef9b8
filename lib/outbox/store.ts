import type { BillingEvent } from '../../schemas';
import { storableText } from '../database/storable-text';
import type { Queryable } from '../database/types';
import { MAX_LEFTOVERS_PER_PARTITION } from './constants';
import { OutboxPublishError } from './errors';
import type { EventPublisher, OutboxMessage, OutboxSource } from './types';

/**
 * One INSERT of outbox rows, as a data-modifying CTE body returning the rows' positions.
 * `recordset` turns rows into a `json_to_recordset(...) AS r(...)` source (one JSON parameter:
 * one round trip, no per-row SQL).
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
    // Informational (the publisher keys each event again): a key quoting a binary record key
    // (a dead letter's) must not make PostgreSQL refuse the batch.
    message_key: storableText(m.key),
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
      'event_id uuid, topic text, message_key text, event_type text, value text, headers json, source_topic text, source_partition int',
    )}
    ON CONFLICT (event_id) DO NOTHING
    RETURNING position`;
}

/**
 * Serializes, until the transaction ends, every transaction that writes outbox rows of one
 * producer for one source partition (its Lambda and a dead-letter re-application can both). Rows
 * of a source partition then commit in position order, so "published through position P" never
 * covers a row that a slower transaction committed later below P.
 */
export async function lockOutboxSource(db: Queryable, producer: string, source: OutboxSource): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `outbox|${producer}|${source.topic}|${source.partition}`,
  ]);
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
 * Records that every outbox row of a source partition up to `position` is published: the last
 * row the caller itself published (never "the latest row": another writer's rows may be committed
 * and not published yet). One row per partition: the rows themselves are never updated.
 */
export async function markPublishedThrough(
  db: Queryable,
  producer: string,
  source: OutboxSource,
  publishedAt: string,
  position: string,
): Promise<void> {
  await db.query(
    `INSERT INTO outbox_published (producer, source_topic, source_partition, position, published_at)
     VALUES ($1, $2, $3, $4::bigint, $5)
     ON CONFLICT (producer, source_topic, source_partition)
       DO UPDATE SET position = GREATEST(outbox_published.position, EXCLUDED.position), published_at = EXCLUDED.published_at`,
    [producer, source.topic, source.partition, position, publishedAt],
  );
}

/**
 * How far a batch may mark its partition published, once it published the leftovers it read
 * (oldest first, at most MAX_LEFTOVERS_PER_PARTITION) and then its own rows (`ownThrough`: the
 * position of the last): through its own rows if it read every leftover, else only through the
 * last leftover, since rows it did not read may lie between. Undefined: nothing to mark.
 */
export function publishedThrough(
  leftovers: readonly { readonly position: string }[],
  ownThrough: string | undefined,
  limit = MAX_LEFTOVERS_PER_PARTITION,
): string | undefined {
  const lastLeftover = leftovers.at(-1)?.position;
  if (leftovers.length >= limit) return lastLeftover;
  return ownThrough ?? lastLeftover;
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
