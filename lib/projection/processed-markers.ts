import type { BillingEvent } from '../../schemas';
import type { DecodedRecord, MskRecordOrigin } from '../msk';
import { type Queryable, uuidV5 } from '../outbox';
import type { WriteBatch } from './write-batch';

/**
 * The processed-marker id of a record: its event id, or for an undecodable record (no event id)
 * a UUIDv5 of its coordinates, so that a redelivered bad record is not dead-lettered twice.
 */
export const markerIdOf = (record: DecodedRecord<BillingEvent>): string =>
  record.ok ? record.event.eventId : coordinatesMarkerId(record.origin);

export const coordinatesMarkerId = (
  origin: Pick<MskRecordOrigin, 'topic' | 'partition' | 'offset'>,
): string => uuidV5(`record/${origin.topic}/${origin.partition}/${origin.offset}`);

/** Which of `markerIds` this consumer has processed already. */
export async function processedAmong(
  db: Queryable,
  consumer: string,
  markerIds: readonly string[],
): Promise<Set<string>> {
  if (markerIds.length === 0) return new Set();
  const { rows } = await db.query<{ event_id: string }>(
    'SELECT event_id FROM processed_events WHERE consumer = $1 AND event_id = ANY($2::uuid[])',
    [consumer, markerIds],
  );
  return new Set(rows.map((row) => row.event_id));
}

/** Adds the processed markers of a batch's records to its write statement. */
export function addProcessedMarkers(
  writes: WriteBatch,
  consumer: string,
  markers: readonly { id: string; origin: MskRecordOrigin }[],
  processedAt: string,
): void {
  if (markers.length === 0) return;
  const records = markers.map((m) => ({
    id: m.id,
    topic: m.origin.topic,
    partition: m.origin.partition,
    record_offset: m.origin.offset,
  }));
  writes.add(`INSERT INTO processed_events (consumer, event_id, topic, partition, "offset", processed_at)
    SELECT ${writes.param(consumer, 'text')}, r.id, r.topic, r.partition, r.record_offset, ${writes.param(processedAt, 'timestamptz')}
    FROM ${writes.recordset(records, 'id uuid, topic text, partition int, record_offset bigint')}`);
}
