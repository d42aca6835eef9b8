import type { FailureCondition, StartingPosition } from './constants';

/** How a trigger handles a batch that fails: the event source mapping's retry properties. */
export interface FailurePolicy {
  /** -1: retry until the records expire (or forever). */
  readonly maximumRetryAttempts: number;
  /** -1: records never expire. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** The function may return `batchItemFailures` (FunctionResponseTypes: ReportBatchItemFailures). */
  readonly reportBatchItemFailures: boolean;
  /**
   * Topic of a `kafka://` on-failure destination (under a run's prefix, its run topic); without one,
   * failed records are dropped, as Lambda does.
   */
  readonly onFailureTopic?: string;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/** One `msk` event of a function, with its extension properties, as the emulator runs it. */
export interface MskTrigger {
  /** The function's key in serverless.yml (`accountProjector`). */
  readonly functionKey: string;
  /** The deployed function name (`billing-local-accountProjector`), the name to invoke. */
  readonly functionName: string;
  /** The topic consumed: serverless.yml's, or its run topic under `BILLING_TOPIC_PREFIX`. */
  readonly topic: string;
  /**
   * The topic the MSK events name (serverless.yml's), as on AWS, whichever topic is consumed;
   * `topic` when absent.
   */
  readonly eventTopic?: string;
  readonly consumerGroupId: string;
  readonly startingPosition: StartingPosition;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly policy: FailurePolicy;
}

/** The coordinates the policy needs of a record. */
export interface PolicyRecord {
  readonly offset: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: string | number;
}

/** What became of one invocation of the function. */
export type InvocationOutcome =
  | { readonly type: 'success' }
  /** A partial batch response: the records from this offset on failed. */
  | { readonly type: 'partial'; readonly failedOffset: string }
  | { readonly type: 'error'; readonly message: string };

/** The next thing to do with a partition's batch. */
export type BatchAction<R extends PolicyRecord> =
  | {
      readonly type: 'invoke';
      readonly records: readonly R[];
      readonly delayMs: number;
      readonly attempt: number;
    }
  | {
      readonly type: 'dead-letter';
      readonly records: readonly R[];
      readonly condition: FailureCondition;
      readonly approximateInvokeCount: number;
    }
  /** Commit this offset (the next record to read) for the partition. */
  | { readonly type: 'commit'; readonly offset: string }
  | { readonly type: 'done' };
