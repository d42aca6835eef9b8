import type { FailureClass } from '../../schemas';
import type { MskRecordOrigin } from '../msk';

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
