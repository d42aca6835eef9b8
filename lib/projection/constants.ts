/** The consumers that project billing topics; each has its own processed markers and outbox rows. */
export const ProjectorName = {
  account: 'account-projector',
  transaction: 'transaction-projector',
  /** A rebuild's: applies billing.transaction.outcomes, decides nothing (docs/projection.md#rebuild). */
  transactionOutcome: 'transaction-outcome-projector',
} as const;
export type ProjectorName = (typeof ProjectorName)[keyof typeof ProjectorName];

/**
 * The environment the projectors read (validated at each invocation). The database comes from
 * lib/config (DATABASE_URL locally, DATABASE_SECRET_ARN on AWS), Kafka too (KAFKA_*, MSK_*).
 */
export const ProjectionEnvVariable = {
  /** Connections per database pool: partitions of one invocation are projected in parallel. */
  poolSize: 'PROJECTION_DB_POOL_SIZE',
  /**
   * Tests and benchmarks only (never set on AWS): the outbox writes `<prefix><topic>` instead of
   * the billing topics, so that a run keeps to topics of its own (docs/testing.md: Topics).
   */
  topicPrefix: 'BILLING_TOPIC_PREFIX',
} as const;

export const DEFAULT_POOL_SIZE = 4;

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
