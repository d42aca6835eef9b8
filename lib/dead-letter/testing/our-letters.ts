import type { KafkaRecordInput } from '../../msk';
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
