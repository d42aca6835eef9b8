import { KafkaMskEventSchema, KafkaRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import { z } from 'zod';
import { FailureClass } from '../../schemas';
import { DecodingFailureCode } from './constants';
import { InvalidMskEventError } from './errors';
import type {
  DecodedMskEvent,
  DecodedRecord,
  MskHeader,
  MskPartitionBatch,
  MskRecordOrigin,
  RecordValueDecoder,
} from './types';

/*
 * The outer shape comes from Powertools' MSK schema. Key, value and headers are replaced: its
 * transforms decode the value to a string (losing the raw bytes needed for dead letters) and turn
 * header bytes into text with String.fromCodePoint, which throws on the negative (signed) bytes
 * MSK sends for any non-ASCII header value.
 */
/** Header bytes: MSK sends signed bytes (-128..127); unsigned ones are accepted too (e.g. from emulators). */
const isHeaderBytes = (value: unknown): value is number[] => {
  if (!Array.isArray(value)) return false;
  for (const byte of value) {
    if (!Number.isInteger(byte) || byte < -128 || byte > 255) return false;
  }
  return true;
};

const MskRecordSchema = KafkaRecordSchema.omit({ key: true, value: true, headers: true }).extend({
  key: z.base64().nullish(),
  value: z.base64().nullish(),
  // One check per header value rather than one zod schema per byte: it is most of a record's bytes.
  headers: z.array(
    z.record(
      z.string(),
      z.custom<number[] | null>((value) => value === null || isHeaderBytes(value), {
        error: 'must be an array of bytes (-128..255) or null',
      }),
    ),
  ),
});

const MskEventSchema = KafkaMskEventSchema.omit({ records: true }).extend({
  records: z.record(z.string(), z.array(MskRecordSchema)),
});

type MskRecord = z.infer<typeof MskRecordSchema>;

const utf8 = (bytes: Buffer): string => bytes.toString('utf8');

function headersOf(record: MskRecord): { raw: MskHeader[]; text: Record<string, string> } {
  const raw: MskHeader[] = [];
  const text: Record<string, string> = {};
  for (const header of record.headers) {
    for (const [key, bytes] of Object.entries(header)) {
      // Buffer.from masks each number with & 255, which maps signed bytes to their unsigned value.
      const value = bytes === null ? null : Buffer.from(bytes);
      raw.push({ key, value: value === null ? null : value.toString('base64') });
      if (value !== null) text[key] = utf8(value);
    }
  }
  return { raw, text };
}

function decodeRecord<E>(record: MskRecord, decodeValue: RecordValueDecoder<E>): DecodedRecord<E> {
  const headers = headersOf(record);
  const key = record.key ?? null;
  const value = record.value ?? null;
  const origin: MskRecordOrigin = {
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    timestamp: new Date(record.timestamp).toISOString(),
    timestampMs: record.timestamp,
    timestampType: record.timestampType,
    key,
    value,
    headers: headers.raw,
  };
  const base = { origin, key: key === null ? null : utf8(Buffer.from(key, 'base64')), headers: headers.text };
  if (value === null) {
    const failure = {
      failureClass: FailureClass.permanent,
      code: DecodingFailureCode.emptyValue,
      message: 'record has no value',
      issues: [],
    };
    return { ...base, ok: false, failure };
  }
  const decoded = decodeValue({
    topic: record.topic,
    value: Buffer.from(value, 'base64'),
    headers: headers.text,
  });
  if (decoded.ok) return { ...base, ok: true, event: decoded.event };
  const failure = {
    failureClass: FailureClass.permanent,
    code: decoded.code,
    message: decoded.message,
    issues: decoded.issues ?? [],
  };
  return { ...base, ok: false, failure };
}

/**
 * Decodes a Lambda MSK event: each record's base64 key and value, its signed-byte headers, and its
 * value through `decodeValue` into a typed event or a typed failure. Records come back grouped by
 * topic-partition, in offset order. Throws InvalidMskEventError only if the event itself is not
 * an MSK event; a bad record never throws.
 */
export function decodeMskEvent<E>(event: unknown, decodeValue: RecordValueDecoder<E>): DecodedMskEvent<E> {
  const parsed = MskEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidMskEventError(`Not an MSK event: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  // Group by each record's own topic and partition: topic names may contain '-', so the
  // "topic-partition" keys of `records` are not split.
  const groups = new Map<string, { topic: string; partition: number; records: MskRecord[] }>();
  for (const records of Object.values(parsed.data.records)) {
    for (const record of records) {
      const id = JSON.stringify([record.topic, record.partition]);
      let group = groups.get(id);
      if (!group) {
        group = { topic: record.topic, partition: record.partition, records: [] };
        groups.set(id, group);
      }
      group.records.push(record);
    }
  }
  const partitions: MskPartitionBatch<E>[] = [...groups.values()].map((group) => ({
    topic: group.topic,
    partition: group.partition,
    records: group.records
      .sort((left, right) => left.offset - right.offset)
      .map((record) => decodeRecord(record, decodeValue)),
  }));
  return {
    eventSourceArn: parsed.data.eventSourceArn,
    bootstrapServers: parsed.data.bootstrapServers ?? [],
    partitions,
  };
}
