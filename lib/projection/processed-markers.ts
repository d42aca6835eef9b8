import type { BillingEvent } from '../../schemas';
import type { Queryable } from '../database';
import type { DecodedRecord, MskRecordOrigin } from '../msk';
import { uuidV5 } from '../outbox';

/**
 * The processed-marker id of a record: its event id, or for an undecodable record (no event id)
 * a UUIDv5 of its coordinates, so that a redelivered bad record is not dead-lettered twice.
 */
export const markerIdOf = (record: DecodedRecord<BillingEvent>): string =>
  record.ok ? record.event.eventId : coordinatesMarkerId(record.origin);

export const coordinatesMarkerId = (
  origin: Pick<MskRecordOrigin, 'topic' | 'partition' | 'offset'>,
): string => uuidV5(`record/${origin.topic}/${origin.partition}/${origin.offset}`);

/**
 * Marks a batch's records processed by `consumer`, in the batch's transaction, and answers the
 * marker ids (lower case) that were not marked before: the records to apply. One statement: the
 * primary key's uniqueness check is the "processed already?" lookup. A record repeated in the
 * batch is claimed once. Rolled back with the batch, the markers are gone with its effects.
 */
export async function claimMarkers(
  db: Queryable,
  consumer: string,
  markers: readonly { id: string; origin: MskRecordOrigin }[],
  processedAt: string,
): Promise<Set<string>> {
  if (markers.length === 0) return new Set();
  const records = markers.map((m) => ({
    id: m.id,
    topic: m.origin.topic,
    partition: m.origin.partition,
    record_offset: m.origin.offset,
  }));
  const { rows } = await db.query<{ event_id: string }>(
    `INSERT INTO processed_events (consumer, event_id, topic, partition, "offset", processed_at)
     SELECT $1::text, r.id, r.topic, r.partition, r.record_offset, $2::timestamptz
       FROM json_to_recordset($3::json) AS r(id uuid, topic text, partition int, record_offset bigint)
     ON CONFLICT (consumer, event_id) DO NOTHING
     RETURNING event_id`,
    [consumer, processedAt, JSON.stringify(records)],
  );
  return new Set(rows.map((row) => row.event_id.toLowerCase()));
}
