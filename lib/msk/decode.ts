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
 * The shape of Powertools' MSK schema (KafkaMskEventSchema), checked by hand: a zod parse of every
 * record (a base64 regex over each value, an object copy per record) was a large share of a
 * batch's decoding. Key, value and headers differ from Powertools on purpose: its transforms
 * decode the value to a string (losing the raw bytes needed for dead letters) and turn header
 * bytes into text with String.fromCodePoint, which throws on the negative (signed) bytes MSK sends
 * for any non-ASCII header value. Unknown fields are ignored.
 */

/** A record as the MSK event carries it (the checked shape). */
interface MskRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers: readonly Readonly<Record<string, number[] | null>>[];
}

/** Header bytes: MSK sends signed bytes (-128..127); unsigned ones are accepted too (e.g. from emulators). */
const isHeaderBytes = (value: unknown): value is number[] => {
  if (!Array.isArray(value)) return false;
  for (const byte of value) {
    if (!Number.isInteger(byte) || byte < -128 || byte > 255) return false;
  }
  return true;
};

const BASE64_ALPHABET = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64_ALPHABET[char.charCodeAt(0)] = 1;
}
const PAD = 61; // '='

/** Padded standard base64, as zod's z.base64() accepts it (the empty string included). */
export function isBase64(text: string): boolean {
  const length = text.length;
  if (length % 4 !== 0) return false;
  let end = length;
  if (end > 0 && text.charCodeAt(end - 1) === PAD) end--;
  if (end > 0 && text.charCodeAt(end - 1) === PAD) end--;
  for (let index = 0; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || BASE64_ALPHABET[code] === 0) return false;
  }
  return true;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The problems of a record's shape, as `path: message` lines (none: a valid record). */
function recordIssues(record: unknown, path: string, issues: string[]): void {
  if (!isObject(record)) {
    issues.push(`${path}: expected an object`);
    return;
  }
  if (typeof record.topic !== 'string') issues.push(`${path}.topic: expected a string`);
  if (!isNumber(record.partition)) issues.push(`${path}.partition: expected a number`);
  if (!isNumber(record.offset)) issues.push(`${path}.offset: expected a number`);
  if (!isNumber(record.timestamp)) issues.push(`${path}.timestamp: expected a number`);
  if (typeof record.timestampType !== 'string') issues.push(`${path}.timestampType: expected a string`);
  for (const field of ['key', 'value'] as const) {
    const value = record[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || !isBase64(value)))
      issues.push(`${path}.${field}: expected base64 text or null`);
  }
  if (!Array.isArray(record.headers)) {
    issues.push(`${path}.headers: expected an array`);
    return;
  }
  record.headers.forEach((header: unknown, index: number) => {
    if (!isObject(header)) {
      issues.push(`${path}.headers[${index}]: expected an object`);
      return;
    }
    for (const [key, bytes] of Object.entries(header)) {
      if (bytes !== null && !isHeaderBytes(bytes))
        issues.push(`${path}.headers[${index}].${key}: must be an array of bytes (-128..255) or null`);
    }
  });
}

/** Checks the MSK event's shape; throws InvalidMskEventError listing every problem found. */
function checkMskEvent(event: unknown): {
  eventSourceArn: string;
  bootstrapServers: string[];
  records: Record<string, readonly MskRecord[]>;
} {
  const issues: string[] = [];
  if (!isObject(event)) {
    issues.push('(event): expected an object');
  } else {
    if (event.eventSource !== 'aws:kafka') issues.push('eventSource: expected "aws:kafka"');
    if (typeof event.eventSourceArn !== 'string') issues.push('eventSourceArn: expected a string');
    const servers = event.bootstrapServers;
    if (servers !== undefined && servers !== null && typeof servers !== 'string')
      issues.push('bootstrapServers: expected a string or null');
    if (!isObject(event.records)) {
      issues.push('records: expected an object');
    } else {
      for (const [group, records] of Object.entries(event.records)) {
        const path = `records.${group}`;
        if (!Array.isArray(records)) issues.push(`${path}: expected an array`);
        else if (records.length === 0) issues.push(`${path}: expected at least one record`);
        else
          for (const [index, record] of records.entries()) recordIssues(record, `${path}[${index}]`, issues);
        if (issues.length >= 20) break;
      }
    }
  }
  if (issues.length > 0 || !isObject(event)) {
    throw new InvalidMskEventError(
      `Not an MSK event: ${issues
        .slice(0, 20)
        .map((issue) => `\n✖ ${issue}`)
        .join('')}`,
    );
  }
  const servers = event.bootstrapServers;
  return {
    eventSourceArn: event.eventSourceArn as string,
    bootstrapServers: typeof servers === 'string' ? servers.split(',') : [],
    records: event.records as Record<string, readonly MskRecord[]>,
  };
}

const utf8 = (bytes: Buffer): string => bytes.toString('utf8');

const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of bytes given as numbers (masked with & 255, like Buffer.from), without a Buffer. */
function base64OfBytes(bytes: readonly number[]): string {
  let out = '';
  let index = 0;
  for (; index + 3 <= bytes.length; index += 3) {
    const word =
      (((bytes[index] as number) & 255) << 16) |
      (((bytes[index + 1] as number) & 255) << 8) |
      ((bytes[index + 2] as number) & 255);
    out +=
      BASE64_DIGITS.charAt(word >> 18) +
      BASE64_DIGITS.charAt((word >> 12) & 63) +
      BASE64_DIGITS.charAt((word >> 6) & 63) +
      BASE64_DIGITS.charAt(word & 63);
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const word = ((bytes[index] as number) & 255) << 16;
    out += `${BASE64_DIGITS.charAt(word >> 18)}${BASE64_DIGITS.charAt((word >> 12) & 63)}==`;
  } else if (rest === 2) {
    const word = (((bytes[index] as number) & 255) << 16) | (((bytes[index + 1] as number) & 255) << 8);
    out += `${BASE64_DIGITS.charAt(word >> 18)}${BASE64_DIGITS.charAt((word >> 12) & 63)}${BASE64_DIGITS.charAt((word >> 6) & 63)}=`;
  }
  return out;
}

/** The text of header bytes: ASCII directly (the usual case), anything else as UTF-8. */
function textOfBytes(bytes: readonly number[]): string {
  if (bytes.length <= 1024) {
    let ascii = true;
    for (const byte of bytes) {
      if (byte < 0 || byte > 127) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode(...bytes);
  }
  // Buffer.from masks each number with & 255, which maps signed bytes to their unsigned value.
  return utf8(Buffer.from(bytes));
}

/** The headers as delivered, values base64 (what a dead letter keeps). */
function rawHeadersOf(record: MskRecord): MskHeader[] {
  const raw: MskHeader[] = [];
  for (const header of record.headers) {
    for (const key in header) {
      if (!Object.hasOwn(header, key)) continue;
      const bytes = header[key];
      raw.push({ key, value: bytes === null || bytes === undefined ? null : base64OfBytes(bytes) });
    }
  }
  return raw;
}

/** The headers as text, by name (the last of a repeated name wins). */
function textHeadersOf(record: MskRecord): Record<string, string> {
  const text: Record<string, string> = {};
  for (const header of record.headers) {
    for (const key in header) {
      if (!Object.hasOwn(header, key)) continue;
      const bytes = header[key];
      if (bytes !== null && bytes !== undefined) text[key] = textOfBytes(bytes);
    }
  }
  return text;
}

function decodeRecord<E>(record: MskRecord, decodeValue: RecordValueDecoder<E>): DecodedRecord<E> {
  const headers = textHeadersOf(record);
  // Base64 headers are needed only by a dead letter: built on first read, then kept.
  let rawHeaders: MskHeader[] | undefined;
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
    get headers() {
      rawHeaders ??= rawHeadersOf(record);
      return rawHeaders;
    },
  };
  const keyBytes = key === null ? null : Buffer.from(key, 'base64');
  const base = { origin, key: keyBytes === null ? null : utf8(keyBytes), headers };
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
    key: keyBytes,
    value: Buffer.from(value, 'base64'),
    headers,
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
  const parsed = checkMskEvent(event);
  // Group by each record's own topic and partition: topic names may contain '-', so the
  // "topic-partition" keys of `records` are not split.
  const groups = new Map<string, { topic: string; partition: number; records: MskRecord[] }>();
  for (const records of Object.values(parsed.records)) {
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
    eventSourceArn: parsed.eventSourceArn,
    bootstrapServers: parsed.bootstrapServers,
    partitions,
  };
}
