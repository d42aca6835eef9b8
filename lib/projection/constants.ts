/**
 * The environment the projectors read (validated at each invocation). The database comes from
 * lib/config and lib/database (DATABASE_URL locally, DATABASE_SECRET_ARN on AWS; the pool's size),
 * Kafka too (KAFKA_*, MSK_*).
 */
export const ProjectionEnvVariable = {
  /**
   * Tests and benchmarks only (never set on AWS): the outbox writes `<prefix><topic>` instead of
   * the billing topics, so that a run keeps to topics of its own (docs/testing.md: Topics).
   */
  topicPrefix: 'BILLING_TOPIC_PREFIX',
} as const;

/** CloudWatch namespace of the projectors' metrics. */
export const METRICS_NAMESPACE = 'BillingKafka';

/** Metric names, counted per invocation. */
export const ProjectionMetric = {
  recordsReceived: 'RecordsReceived',
  recordsSkipped: 'RecordsAlreadyProcessed',
  movementsApplied: 'MovementsApplied',
  movementsRejected: 'MovementsRejected',
  duplicateRequests: 'DuplicateRequests',
  accountChanges: 'AccountChanges',
  accountEventsIgnored: 'AccountEventsIgnored',
  deadLettered: 'RecordsDeadLettered',
  outboxPublished: 'OutboxEventsPublished',
  sagaStepsApplied: 'SagaStepsApplied',
  sagaStepsIgnored: 'SagaStepsIgnored',
} as const;
export type ProjectionMetric = (typeof ProjectionMetric)[keyof typeof ProjectionMetric];

/** Failure codes the runner itself gives a record. */
export const ProjectionFailureCode = {
  /**
   * The record's own transaction violates a constraint of the read model (SQLSTATE class 23:
   * unique, primary key, check, foreign key, not null): retrying cannot help, a person must look.
   */
  constraintViolation: 'CONSTRAINT_VIOLATION',
} as const;
export type ProjectionFailureCode = (typeof ProjectionFailureCode)[keyof typeof ProjectionFailureCode];

/** SQLSTATE class 23, integrity constraint violation. */
export const INTEGRITY_CONSTRAINT_VIOLATION_CLASS = '23';

/** Longest failure message kept in a dead letter (the envelope allows 10,000 characters). */
export const MAX_FAILURE_MESSAGE_LENGTH = 10_000;

/** The attempt number of a record's first failure; the retrier increments it. */
export const FIRST_ATTEMPT = 1;
