/** The `eventSource` of a Lambda event from an Amazon MSK event source mapping. */
export const MSK_EVENT_SOURCE = 'aws:kafka';

/** Why a record could not be decoded into an event (all permanent: a retry cannot fix the bytes). */
export const DecodingFailureCode = {
  /** The record has no value (a tombstone): billing topics never carry one. */
  emptyValue: 'EMPTY_VALUE',
  /** The value is not UTF-8 JSON. */
  notJson: 'NOT_JSON',
  /** The value's `eventType` is not one the record's topic carries. */
  unknownEventType: 'UNKNOWN_EVENT_TYPE',
  /** The value's `schemaVersion` is not one this code reads. */
  unsupportedSchemaVersion: 'UNSUPPORTED_SCHEMA_VERSION',
  /** The value is JSON of a known type and version but fails its schema. */
  schemaInvalid: 'SCHEMA_INVALID',
  /** The record's topic has no event contract. */
  unknownTopic: 'UNKNOWN_TOPIC',
  /**
   * The record is not keyed by its event's partition key (the account or transfer id, lower case),
   * on a topic whose consumers rely on one stream per key: it would be out of order with the rest.
   */
  keyNotPartitionKey: 'KEY_NOT_PARTITION_KEY',
} as const;
export type DecodingFailureCode = (typeof DecodingFailureCode)[keyof typeof DecodingFailureCode];
