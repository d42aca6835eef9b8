import type { Pool } from 'pg';
import { TopicName } from '../../../schemas';
import type { KafkaRecordInput } from '../../msk';
import {
  invokeAll,
  type LambdaHandler,
  type MskHarness,
  mskEventsOf,
  type Offsets,
} from '../../projection/testing/msk-harness';
import { only } from '../../projection/testing/projection-run';
import { ours } from '../../saga/testing/saga-run';
import { lettersOfRecord } from '../incoming';

/**
 * A filter for records consumed from billing.dead-letter: true when a letter the record carries
 * has a source keyed by one of `keys` (other test runs share the topic).
 */
export const lettersKeyedBy =
  (keys: ReadonlySet<string>) =>
  (record: KafkaRecordInput): boolean =>
    lettersOfRecord({
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      timestamp: new Date(Number(record.timestamp)).toISOString(),
      timestampMs: Number(record.timestamp),
      timestampType: 'CREATE_TIME',
      key: record.key?.toString('base64') ?? null,
      value: record.value?.toString('base64') ?? null,
      headers: [],
    }).some((letter) => keys.has(Buffer.from(letter.source.key ?? '', 'base64').toString('utf8')));

/**
 * A filter that keeps the first record of each letter id: another consumer group of the shared
 * topics (an `sls offline` emulator, a colleague's run) that dead-letters the same source record
 * writes the same deterministic letter id again. Records without a letter id are all kept.
 */
export const oncePerLetter = () => {
  const seen = new Set<string>();
  return (record: KafkaRecordInput): boolean => {
    let eventId: unknown;
    try {
      eventId = (JSON.parse(record.value?.toString('utf8') ?? 'null') as { eventId?: unknown } | null)
        ?.eventId;
    } catch {
      return true;
    }
    if (typeof eventId !== 'string') return true;
    if (seen.has(eventId)) return false;
    seen.add(eventId);
    return true;
  };
};

/**
 * Hands our letters of billing.dead-letter since `before` to the dead-letter handler: keyed by our
 * keys and written by this test's handlers (in its database's outbox), not by another consumer
 * group of the shared topics that derived the same records from its own database.
 */
export async function deliverOurLetters(
  harness: MskHarness,
  pool: Pool,
  deadLetterHandler: LambdaHandler,
  before: Offsets,
  keys: ReadonlySet<string>,
): Promise<{ stored: number; parked: number }> {
  const after = await harness.endOffsets([TopicName.deadLetter]);
  const records = await harness.collect(only(before, TopicName.deadLetter), after, () => true);
  const letters = await ours(pool, records.filter(lettersKeyedBy(keys)));
  const results = (await invokeAll(deadLetterHandler, 'dead-letter', mskEventsOf(letters))) as {
    stored: number;
    parked: unknown[];
  }[];
  return {
    stored: results.reduce((sum, r) => sum + r.stored, 0),
    parked: results.reduce((sum, r) => sum + r.parked.length, 0),
  };
}
