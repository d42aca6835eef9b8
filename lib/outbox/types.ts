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
  /**
   * Derived by our own code from already-validated inputs (unit tests prove such events
   * schema-valid): published without parsing the schema again (size limits still apply).
   */
  readonly trusted?: boolean;
}

/** Publishes events (the event store underneath: validated, keyed, acks=all). */
export interface EventPublisher {
  publish(events: readonly BillingEvent[]): Promise<void>;
  /**
   * Publishes outbox messages in order: trusted ones (see OutboxMessage) skip schema parsing and
   * reuse their JSON text. Optional: without it, publishMessages falls back to `publish`.
   */
  publishMessages?(messages: readonly OutboxMessage[]): Promise<void>;
}
