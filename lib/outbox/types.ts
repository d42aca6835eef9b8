import type { BillingEvent } from '../../schemas';

/** Where an outbox row came from: the next batch of this partition retries it if unpublished. */
export interface OutboxSource {
  readonly topic: string;
  readonly partition: number;
}

/** An event to publish after commit, as written to the outbox table. */
export interface OutboxMessage {
  readonly eventId: string;
  readonly eventType: string;
  readonly topic: string;
  readonly key: string;
  /** The event as JSON text. */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: BillingEvent;
  readonly source: OutboxSource;
}

/** Anything that runs a parameterised query: a pg Pool or a client inside a transaction. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Publishes events (the event store underneath: validated, keyed, acks=all). */
export interface EventPublisher {
  publish(events: readonly BillingEvent[]): Promise<void>;
}
