import type { TopicName } from './constants';
import { EventValidationError } from './errors';
import { eventSchemaByTopic } from './topics';
import type { EventOfTopic, ParseEventResult } from './types';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes or a string as JSON; any other value is taken as already decoded. */
const decodeJson = (topic: string, value: unknown): ParseEventResult<unknown> => {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) return { ok: true, event: value };
  try {
    const text = typeof value === 'string' ? value : decoder.decode(value);
    return { ok: true, event: JSON.parse(text) as unknown };
  } catch (cause) {
    const message = `not UTF-8 JSON (${cause instanceof Error ? cause.message : String(cause)})`;
    return {
      ok: false,
      error: new EventValidationError(topic, [{ path: '', code: 'not_json', message }], { cause }),
    };
  }
};

/**
 * Validate a record value against its topic's contract. `value` is the record value as bytes, a
 * JSON string, or an already-parsed object. Never throws for bad input: a refused event is an
 * `{ ok: false }` result whose error lists each issue by field path.
 */
export function parseEvent<T extends TopicName>(topic: T, value: unknown): ParseEventResult<EventOfTopic<T>> {
  const schema = eventSchemaByTopic[topic];
  if (schema === undefined) {
    const issue = {
      path: '',
      code: 'unknown_topic',
      message: `no event contract for topic ${String(topic)}`,
    };
    return { ok: false, error: new EventValidationError(String(topic), [issue]) };
  }
  const decoded = decodeJson(topic, value);
  if (!decoded.ok) return decoded;
  const result = schema.safeParse(decoded.event);
  if (!result.success) return { ok: false, error: EventValidationError.fromZod(topic, result.error) };
  return { ok: true, event: result.data as EventOfTopic<T> };
}

/** Like parseEvent, but returns the event or throws its EventValidationError. */
export function validateEvent<T extends TopicName>(topic: T, value: unknown): EventOfTopic<T> {
  const result = parseEvent(topic, value);
  if (!result.ok) throw result.error;
  return result.event;
}
