/**
 * Decoding of Lambda events from Amazon MSK: base64 keys and values, signed-byte headers, records
 * grouped by topic-partition in offset order, each a typed event or a typed decoding failure.
 */
export { decodeBillingMskEvent, decodeBillingValue } from './billing-decoder';
export {
  buildMskEvent,
  type KafkaRecordInput,
  type MskEventJson,
  type MskEventRecordJson,
  recordHeadersOf,
  recordInputOf,
  toSignedBytes,
} from './build';
export { DecodingFailureCode, MSK_EVENT_SOURCE } from './constants';
export { decodeMskEvent } from './decode';
export { InvalidMskEventError, MskError } from './errors';
export type {
  DecodedMskEvent,
  DecodedRecord,
  DecodingFailure,
  DecodingIssue,
  MskHeader,
  MskPartitionBatch,
  MskRecordOrigin,
  RecordValueDecoder,
  RecordValueInput,
} from './types';
