/** Base class of every error thrown by the projection module. */
export class ProjectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProjectionError';
  }
}

/**
 * A partition's batch could not be projected because a dependency failed (database or Kafka
 * unreachable): nothing of it was committed, and the invocation fails so that it is redelivered.
 */
export class TransientProjectionError extends ProjectionError {
  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number, options?: ErrorOptions) {
    super(`Projection of ${topic}-${partition} failed; nothing of the batch was committed`, options);
    this.name = 'TransientProjectionError';
    this.topic = topic;
    this.partition = partition;
  }
}

/** Some partitions of an invocation failed; the others were committed (and are idempotent). */
export class ProjectionBatchError extends ProjectionError {
  readonly failures: readonly TransientProjectionError[];

  constructor(failures: readonly TransientProjectionError[]) {
    super(
      `${failures.length} partition batch(es) failed: ${failures
        .map(
          (failure) => `${failure.topic}-${failure.partition}: ${String((failure.cause as Error)?.message)}`,
        )
        .join('; ')}`,
      { cause: failures[0] },
    );
    this.name = 'ProjectionBatchError';
    this.failures = failures;
  }
}

/** A projection setting (`BILLING_TOPIC_PREFIX`) is malformed: the message names the variable. */
export class ProjectionConfigError extends ProjectionError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProjectionConfigError';
  }
}
