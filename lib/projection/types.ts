import type { Logger } from '@aws-lambda-powertools/logger';
import type { BillingEvent, FailureClass, TopicName } from '../../schemas';
import type { Queryable, TransactionTimeouts } from '../database';
import type { MskRecordOrigin } from '../msk';
import type { OutboxMessage } from '../outbox';
import type { ProjectionMetric } from './constants';
import type { WriteBatch } from './write-batch';

/** A decoded record not processed before by this consumer, in offset order. */
export interface FreshRecord<E extends BillingEvent = BillingEvent> {
  readonly event: E;
  readonly origin: MskRecordOrigin;
}

/** What a projector asks the runner to do besides its own writes. */
export interface ProjectionOutput {
  /** Events to emit, written to the outbox in the batch's transaction. */
  readonly outbox: readonly OutboxMessage[];
  /** Records that cannot be applied yet (deferred): dead-lettered as retryable. */
  readonly deferred: readonly { readonly record: FreshRecord; readonly failure: RecordFailure }[];
  /** Outcome counts for metrics. */
  readonly counts: Partial<Record<ProjectionMetric, number>>;
}

/** Context of one batch: time as data, a logger. */
export interface ProjectionContext {
  /** The invocation's time (ISO-8601 UTC): processed markers, outbox rows, dead letters. */
  readonly now: string;
  readonly logger: Logger;
  /** Bounds on the batch transaction's statements and lock waits (a re-application under a lease). */
  readonly timeouts?: TransactionTimeouts;
}

/**
 * The projection of one topic: applies a partition's fresh records, in offset order, inside the
 * batch's transaction. It reads what it needs with set-based queries (locking accounts in sorted
 * order), decides with the pure ledger rules, and adds its writes to the batch's single statement.
 */
export interface TopicProjector {
  /** The consumer name: processed markers, outbox producer, dead-letter handler. */
  readonly name: string;
  readonly topic: TopicName;
  project(
    db: Queryable,
    records: readonly FreshRecord[],
    writes: WriteBatch,
    context: ProjectionContext,
  ): Promise<ProjectionOutput>;
}

/** What happened to one partition's batch. */
export interface PartitionReport {
  readonly topic: string;
  readonly partition: number;
  readonly counts: Partial<Record<ProjectionMetric, number>>;
}

/** What happened in one invocation. */
export interface ProjectionReport {
  readonly partitions: readonly PartitionReport[];
  readonly totals: Partial<Record<ProjectionMetric, number>>;
}

/** Why a record goes to the dead-letter topic. */
export interface RecordFailure {
  readonly failureClass: FailureClass;
  /** UPPER_SNAKE_CASE, e.g. `SCHEMA_INVALID`, `ACCOUNT_NOT_FOUND`. */
  readonly code: string;
  readonly message: string;
}

/** What a dead letter is built from. */
export interface DeadLetterInput {
  readonly origin: MskRecordOrigin;
  readonly failure: RecordFailure;
  /** The handler (consumer) that failed. */
  readonly handler: string;
  /** When it failed (time as data). */
  readonly failedAt: string;
  readonly attempt?: number;
  /** The failed event's correlation and id, when it could be decoded. */
  readonly cause?: { readonly eventId: string; readonly correlationId: string };
}
