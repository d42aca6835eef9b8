/** Why Lambda gave up on records (`requestContext.condition` of an on-failure record). */
export const FailureCondition = {
  retriesExhausted: 'RetriesExhausted',
  recordAgeExceeded: 'RecordAgeExceeded',
} as const;
export type FailureCondition = (typeof FailureCondition)[keyof typeof FailureCondition];

/** Where MSK starts a consumer group that has no committed offset. */
export const StartingPosition = {
  trimHorizon: 'TRIM_HORIZON',
  latest: 'LATEST',
} as const;
export type StartingPosition = (typeof StartingPosition)[keyof typeof StartingPosition];

/** The response type that turns on partial batch responses (`FunctionResponseTypes`). */
export const REPORT_BATCH_ITEM_FAILURES = 'ReportBatchItemFailures';

/** The prefix of a Kafka on-failure destination (`kafka://<topic>`). */
export const KAFKA_DESTINATION_PREFIX = 'kafka://';

/** Defaults of the emulator (`custom.mskOffline` overrides them). */
export const MSK_OFFLINE_DEFAULTS = {
  brokers: ['localhost:9092', 'localhost:9093', 'localhost:9094'],
  /** The secured listener's brokers (SASL_SSL, SCRAM-SHA-512): MSK_OFFLINE_SECURE=true, npm start -- --secure. */
  secureBrokers: ['localhost:9192', 'localhost:9193', 'localhost:9194'],
  metricsPort: 9464,
  lambdaPort: 3002,
  /** serverless-offline's HTTP port (custom.serverless-offline.httpPort): the billing API. */
  httpPort: 3100,
  /** First retry delay; doubles per retry up to the cap, like Lambda's backoff for stream sources. */
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  /** A local cluster ARN for the events' eventSourceArn. */
  clusterArn:
    'arn:aws:kafka:eu-west-1:000000000000:cluster/billing-local/00000000-0000-0000-0000-000000000000-1',
} as const;
