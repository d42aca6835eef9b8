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
