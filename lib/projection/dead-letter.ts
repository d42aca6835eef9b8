import { DeadLetterEventType, type DeadLetterRecorded, IdSchema, LATEST_SCHEMA_VERSION } from '../../schemas';
import { uuidV5 } from '../outbox';
import { FIRST_ATTEMPT, MAX_FAILURE_MESSAGE_LENGTH } from './constants';
import type { DeadLetterInput } from './types';

/** The dead letter's id: UUIDv5 of the source coordinates and the handler, the same on every redelivery. */
export const deadLetterIdOf = (
  origin: { topic: string; partition: number; offset: string },
  handler: string,
) => uuidV5(`dead-letter/${origin.topic}/${origin.partition}/${origin.offset}/${handler}`);

const isUuid = (value: string | undefined): value is string =>
  value !== undefined && IdSchema.safeParse(value).success;

const clip = (message: string) =>
  message.length <= MAX_FAILURE_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_FAILURE_MESSAGE_LENGTH - 1)}…`;

/**
 * The DeadLetterRecorded event of a record that could not be applied: the original record byte
 * for byte (topic, partition, offset, key, value, headers, timestamp) and the failure (class,
 * code, message, handler, attempt). Ids are deterministic, so a redelivered failure is the same letter.
 */
export function buildDeadLetter(input: DeadLetterInput): DeadLetterRecorded {
  const { origin, failure, handler } = input;
  const attempt = input.attempt ?? FIRST_ATTEMPT;
  const deadLetterId = deadLetterIdOf(origin, handler);
  const eventId = uuidV5(`${deadLetterId}/attempt/${attempt}`);
  const headerCorrelation = origin.headers.find((header) => header.key === 'correlation-id')?.value;
  const correlationFromHeader =
    headerCorrelation === null || headerCorrelation === undefined
      ? undefined
      : Buffer.from(headerCorrelation, 'base64').toString('utf8');
  const correlationId =
    input.cause?.correlationId ?? (isUuid(correlationFromHeader) ? correlationFromHeader : deadLetterId);
  return {
    eventId,
    eventType: DeadLetterEventType.deadLetterRecorded,
    schemaVersion: LATEST_SCHEMA_VERSION,
    aggregateId: deadLetterId,
    occurredAt: input.failedAt,
    correlationId,
    causationId: input.cause?.eventId ?? eventId,
    payload: {
      deadLetterId,
      source: {
        topic: origin.topic,
        partition: origin.partition,
        offset: origin.offset,
        key: origin.key,
        value: origin.value,
        headers: origin.headers.map((header) => ({ key: header.key, value: header.value })),
        timestamp: origin.timestamp,
      },
      failure: {
        class: failure.failureClass,
        code: failure.code,
        message: clip(failure.message),
        handler,
        attempt,
      },
    },
  };
}
