/** Base class of every error thrown by the outbox module. */
export class OutboxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxError';
  }
}

/**
 * Outbox rows could not be published (Kafka unreachable, or an event refused by its contract).
 * The rows stay unpublished and are retried by the partition's next batch; the invocation fails.
 */
export class OutboxPublishError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxPublishError';
  }
}
