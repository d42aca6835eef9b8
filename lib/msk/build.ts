import type { IHeaders, KafkaMessage } from 'kafkajs';
import { MSK_EVENT_SOURCE } from './constants';

/** A Kafka record as a consumer sees it, to be wrapped the way Lambda's MSK trigger does. */
export interface KafkaRecordInput {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string | number;
  /** Milliseconds since the epoch. */
  readonly timestamp: string | number;
  readonly timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}

/** A kafkajs message's headers as a record input's list: one entry per value, in order. */
export const recordHeadersOf = (headers: IHeaders | undefined): KafkaRecordInput['headers'] =>
  Object.entries(headers ?? {}).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((single) => ({
      key,
      value: single === undefined ? null : Buffer.from(single),
    })),
  );

/** A kafkajs message of a topic-partition as a record input (its offset as kafkajs gives it, a string). */
export const recordInputOf = (
  topic: string,
  partition: number,
  message: KafkaMessage,
): KafkaRecordInput & { readonly offset: string } => ({
  topic,
  partition,
  offset: message.offset,
  timestamp: message.timestamp,
  key: message.key,
  value: message.value,
  headers: recordHeadersOf(message.headers),
});

/** The JSON shape of one record in a Lambda MSK event. */
export interface MskEventRecordJson {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key?: string;
  value?: string;
  headers: Record<string, number[] | null>[];
}

export interface MskEventJson {
  eventSource: typeof MSK_EVENT_SOURCE;
  eventSourceArn: string;
  bootstrapServers: string;
  records: Record<string, MskEventRecordJson[]>;
}

/** Bytes as MSK sends header values: signed, -128..127. */
export const toSignedBytes = (bytes: Buffer): number[] => {
  const signed = new Array<number>(bytes.length);
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] ?? 0;
    signed[index] = byte > 127 ? byte - 256 : byte;
  }
  return signed;
};

/**
 * Wraps consumed records into a Lambda MSK event, as the MSK event source mapping does: records
 * keyed `topic-partition`, base64 key and value (absent when null), headers as signed byte arrays.
 */
export function buildMskEvent(options: {
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
  readonly records: readonly KafkaRecordInput[];
}): MskEventJson {
  const records: Record<string, MskEventRecordJson[]> = {};
  for (const record of options.records) {
    const json: MskEventRecordJson = {
      topic: record.topic,
      partition: record.partition,
      offset: Number(record.offset),
      timestamp: Number(record.timestamp),
      timestampType: record.timestampType ?? 'CREATE_TIME',
      ...(record.key === null ? {} : { key: record.key.toString('base64') }),
      ...(record.value === null ? {} : { value: record.value.toString('base64') }),
      headers: record.headers.map((header) => ({
        [header.key]: header.value === null ? null : toSignedBytes(header.value),
      })),
    };
    const id = `${record.topic}-${record.partition}`;
    const partitionRecords = records[id];
    if (partitionRecords) partitionRecords.push(json);
    else records[id] = [json];
  }
  return {
    eventSource: MSK_EVENT_SOURCE,
    eventSourceArn: options.eventSourceArn,
    bootstrapServers: options.bootstrapServers.join(','),
    records,
  };
}
