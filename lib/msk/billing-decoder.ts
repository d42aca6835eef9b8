import {
  type BillingEvent,
  eventTypesOfTopic,
  LATEST_SCHEMA_VERSION,
  parseEvent,
  partitionKeyOf,
  TopicName,
} from '../../schemas';
import { DecodingFailureCode } from './constants';
import { decodeMskEvent } from './decode';
import type { DecodedMskEvent, RecordValueDecoder } from './types';

const topicNames: ReadonlySet<string> = new Set(Object.values(TopicName));
const isTopicName = (topic: string): topic is TopicName => topicNames.has(topic);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The topics whose events must be keyed by their partition key: an account's events and a
 * transfer's steps are one ordered stream each, which the projectors and a rebuild of the read
 * model (which applies them as facts) rely on. KafkaEventStore always keys so; a record keyed
 * otherwise (a foreign producer writing an id in upper case) would land on another partition.
 */
const KEYED_STREAMS: ReadonlySet<string> = new Set([
  TopicName.accountEvents,
  TopicName.sagaEvents,
  TopicName.transactionOutcomes,
]);

/**
 * Decodes a billing record value into its event, classifying refusals: not JSON, an event type the
 * topic does not carry, a schema version this code cannot read, or a schema violation.
 */
export const decodeBillingValue: RecordValueDecoder<BillingEvent> = (input) => {
  const { topic, value } = input;
  if (!isTopicName(topic)) {
    return {
      ok: false,
      code: DecodingFailureCode.unknownTopic,
      message: `no event contract for topic ${topic}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(value));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, code: DecodingFailureCode.notJson, message: `value is not UTF-8 JSON (${reason})` };
  }
  const { eventType, schemaVersion } = (typeof json === 'object' && json !== null ? json : {}) as Record<
    string,
    unknown
  >;
  if (!(eventTypesOfTopic(topic) as readonly unknown[]).includes(eventType)) {
    return {
      ok: false,
      code: DecodingFailureCode.unknownEventType,
      message: `event type ${JSON.stringify(eventType)} is not carried by ${topic}`,
    };
  }
  if (
    typeof schemaVersion === 'number' &&
    Number.isInteger(schemaVersion) &&
    schemaVersion > LATEST_SCHEMA_VERSION
  ) {
    return {
      ok: false,
      code: DecodingFailureCode.unsupportedSchemaVersion,
      message: `${String(eventType)} schema version ${schemaVersion} is newer than ${LATEST_SCHEMA_VERSION}, the latest this code reads`,
    };
  }
  const parsed = parseEvent(topic, json);
  if (!parsed.ok) {
    return {
      ok: false,
      code: DecodingFailureCode.schemaInvalid,
      message: parsed.error.message,
      issues: parsed.error.issues,
    };
  }
  if (KEYED_STREAMS.has(topic)) {
    const expected = partitionKeyOf(parsed.event);
    const key = input.key === null ? null : input.key.toString('utf8');
    if (key !== expected) {
      return {
        ok: false,
        code: DecodingFailureCode.keyNotPartitionKey,
        message: `record key ${JSON.stringify(key)} is not the partition key of ${parsed.event.eventType} (${JSON.stringify(expected)}): out of order with the rest of its stream on ${topic}`,
      };
    }
  }
  return { ok: true, event: parsed.event };
};

/** Decodes a Lambda MSK event of billing topics into typed billing events or decoding failures. */
export const decodeBillingMskEvent = (event: unknown): DecodedMskEvent<BillingEvent> =>
  decodeMskEvent(event, decodeBillingValue);
