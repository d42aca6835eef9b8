import * as z from 'zod';
import { DeadLetterEventType, FailureClass } from '../constants';
import { eventSchema, IdSchema, UtcTimestampSchema } from '../envelope';

// A record that could not be applied, on billing.dead-letter (docs/design.md: Dead letters). Key and
// value are kept as the bytes Kafka delivered, base64-encoded as MSK hands them over, so a
// record that is not even JSON can still be stored and replayed byte for byte.

const Base64Schema = z.base64({ error: 'must be base64' });

/** Kafka offsets are int64: a decimal string keeps them exact. */
const OffsetSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})$/, 'must be a non-negative integer as a decimal string');

export const SourceRecordSchema = z.object({
  topic: z.string().min(1).max(249),
  partition: z.int().min(0),
  offset: OffsetSchema,
  key: Base64Schema.nullable(),
  value: Base64Schema.nullable(),
  /** In record order; a header may repeat. */
  headers: z.array(z.object({ key: z.string(), value: Base64Schema.nullable() })),
  timestamp: UtcTimestampSchema,
});

export const FailureSchema = z.object({
  class: z.enum(Object.values(FailureClass) as [FailureClass, ...FailureClass[]]),
  /** Machine-readable, e.g. `SCHEMA_INVALID`, `ACCOUNT_NOT_FOUND`. */
  code: z.string().regex(/^[A-Z][A-Z0-9_]{0,99}$/, 'must be UPPER_SNAKE_CASE, at most 100 characters'),
  message: z.string().min(1).max(10_000),
  /** The Lambda handler (or consumer) that failed. */
  handler: z.string().min(1).max(200),
  /** 1 for the first failure; the retrier increments it. */
  attempt: z.int().min(1),
});

export const DeadLetterRecordedSchema = eventSchema(
  DeadLetterEventType.deadLetterRecorded,
  { deadLetterId: IdSchema, source: SourceRecordSchema, failure: FailureSchema },
  'deadLetterId',
);

export const DeadLetterEventSchema = z.discriminatedUnion('eventType', [DeadLetterRecordedSchema]);
