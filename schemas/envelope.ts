import * as z from 'zod';
import { LATEST_SCHEMA_VERSION } from './constants';

/** A field's message: "is required" when it is missing, else what it must be. */
const mustBe = (what: string) => (issue: { readonly input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/**
 * An RFC 9562 UUID (any version; v5 for derived events), lower-cased on parse: RFC 9562 text is
 * case-insensitive on input, and PostgreSQL hands ids back in lower case, so every parsed event
 * and command carries the canonical form its lookups are keyed by.
 */
export const IdSchema = z.uuid({ error: mustBe('a UUID') }).toLowerCase();

/** ISO-8601 in UTC with a `Z` suffix, e.g. `2025-11-27T05:33:00.000Z` (what `toISOString()` writes). */
export const UtcTimestampSchema = z.iso.datetime({ error: mustBe('an ISO-8601 UTC timestamp ending in Z') });

/** A short free text written by people or upstream systems. */
export const TextSchema = (max: number) => z.string().min(1).max(max);

/**
 * The envelope fields every event carries, around its `payload` (docs/design.md: Event contract).
 * `aggregateId` is the id of the entity the event is about; the event schemas tie it to the
 * matching payload field. A first event in a chain is its own cause: `causationId === eventId`.
 */
export const envelopeShape = {
  eventId: IdSchema,
  schemaVersion: z.int().min(1).max(LATEST_SCHEMA_VERSION),
  aggregateId: IdSchema,
  occurredAt: UtcTimestampSchema,
  correlationId: IdSchema,
  causationId: IdSchema,
};

/**
 * One event schema: the envelope, a literal `eventType` and a payload object. `aggregateField`
 * names the payload id that `aggregateId` must equal.
 */
export const eventSchema = <T extends string, P extends z.ZodRawShape>(
  eventType: T,
  payload: P,
  aggregateField: keyof P & string,
) =>
  z
    .object({
      eventId: envelopeShape.eventId,
      eventType: z.literal(eventType),
      schemaVersion: envelopeShape.schemaVersion,
      aggregateId: envelopeShape.aggregateId,
      occurredAt: envelopeShape.occurredAt,
      correlationId: envelopeShape.correlationId,
      causationId: envelopeShape.causationId,
      payload: z.object(payload),
    })
    .refine((event) => event.aggregateId === (event.payload as Record<string, unknown>)[aggregateField], {
      error: `must equal payload.${aggregateField}`,
      path: ['aggregateId'],
    });
