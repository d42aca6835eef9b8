import type { BillingEvent } from '../../schemas';
import type { KafkaEventStore } from '../kafka';
import { OutboxPublishError } from './errors';
import type { EventPublisher } from './types';

/** The outbox publisher backed by the event store: every event validated again before it is sent. */
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
  };
}
