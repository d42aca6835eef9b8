import { type BillingEvent, headersOf, partitionKeyOf, topicOfEventType } from '../../schemas';
import type { OutboxMessage, OutboxSource } from './types';

/** The outbox row of an event: its topic, key and headers as the event store will write them. */
export function outboxMessageOf(event: BillingEvent, source: OutboxSource): OutboxMessage {
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    topic: topicOfEventType(event.eventType),
    key: partitionKeyOf(event),
    value: JSON.stringify(event),
    headers: headersOf(event),
    event,
    source,
  };
}

/**
 * The outbox row of an event our own code derived from already-validated inputs (a projector's
 * balance change or saga step): marked trusted, so that publishing does not parse it again.
 */
export function derivedOutboxMessageOf(event: BillingEvent, source: OutboxSource): OutboxMessage {
  return { ...outboxMessageOf(event, source), trusted: true };
}
