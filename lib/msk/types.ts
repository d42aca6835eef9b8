import type { FailureClass } from '../../schemas';
import type { DecodingFailureCode } from './constants';

/** A header as delivered, in record order (a name may repeat); the value base64, null if absent. */
export interface MskHeader {
  readonly key: string;
  readonly value: string | null;
}

/**
 * Where a record came from and its bytes as delivered: enough to dead-letter or replay it byte for
 * byte. Key and value stay base64 as MSK hands them over; offset is a decimal string (int64).
 */
export interface MskRecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record timestamp as ISO-8601 UTC. */
  readonly timestamp: string;
  readonly timestampMs: number;
  readonly timestampType: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly MskHeader[];
}

/** An issue of a failed validation, by dotted field path. */
export interface DecodingIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** Why a record was not decoded into an event. */
export interface DecodingFailure {
  readonly failureClass: typeof FailureClass.permanent;
  readonly code: DecodingFailureCode;
  readonly message: string;
  readonly issues: readonly DecodingIssue[];
}

interface DecodedRecordBase {
  readonly origin: MskRecordOrigin;
  /** The key as UTF-8 text, null when the record has none. */
  readonly key: string | null;
  /** Header values as UTF-8 text; for a repeated name the last one wins (all are in origin). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One record: its typed event, or the reason it has none. */
export type DecodedRecord<E> =
  | (DecodedRecordBase & { readonly ok: true; readonly event: E })
  | (DecodedRecordBase & { readonly ok: false; readonly failure: DecodingFailure });

/** The records of one topic-partition, in offset order. */
export interface MskPartitionBatch<E> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly DecodedRecord<E>[];
}

export interface DecodedMskEvent<E> {
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
  readonly partitions: readonly MskPartitionBatch<E>[];
}

/** What a value decoder sees of a record. */
export interface RecordValueInput {
  readonly topic: string;
  /** The record key's bytes; null for a record without a key. */
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Decodes one record value into a typed event; never throws for bad input. */
export type RecordValueDecoder<E> = (input: RecordValueInput) =>
  | { readonly ok: true; readonly event: E }
  | {
      readonly ok: false;
      readonly code: DecodingFailureCode;
      readonly message: string;
      readonly issues?: readonly DecodingIssue[];
    };
