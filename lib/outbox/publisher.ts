import type { BillingEvent } from '../../schemas';
import type { KafkaEventStore } from '../kafka';
import { OutboxPublishError } from './errors';
import type { EventPublisher, OutboxMessage } from './types';

/**
 * The outbox publisher backed by the event store: every event validated again before it is sent,
 * except trusted outbox messages (derived by our code), which are only size-checked.
 */
export function eventStorePublisher(store: KafkaEventStore): EventPublisher {
  return {
    async publish(events: readonly BillingEvent[]): Promise<void> {
      const result = await store.appendMany(events);
      if (!result.ok) {
        throw new OutboxPublishError(
          `The event store refused outbox event ${result.rejection.eventId}: ${result.rejection.message}`,
        );
      }
    },
    async publishMessages(messages: readonly OutboxMessage[]): Promise<void> {
      const result = await store.appendEntries(
        messages.map((message) => ({ event: message.event, trusted: message.trusted, json: message.value })),
      );
      if (!result.ok) {
        throw new OutboxPublishError(
          `The event store refused outbox event ${result.rejection.eventId}: ${result.rejection.message}`,
        );
      }
    },
  };
}
