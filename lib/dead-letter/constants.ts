/** Where a dead letter is in its life; `resolved`, `discarded` are final, `parked` waits for a person. */
export const DeadLetterStatus = {
  received: 'received',
  retrying: 'retrying',
  resolved: 'resolved',
  parked: 'parked',
  discarded: 'discarded',
} as const;
export type DeadLetterStatus = (typeof DeadLetterStatus)[keyof typeof DeadLetterStatus];

/** What wrote the letter to billing.dead-letter. */
export const LetterOrigin = {
  /** Our DeadLetterRecorded envelope, written by a handler through its outbox. */
  envelope: 'envelope',
  /** The record Lambda's Kafka on-failure destination writes when a batch exhausts its retries. */
  lambdaOnFailure: 'lambda-on-failure',
  /** A record of billing.dead-letter that is neither: kept (as its own source) and parked. */
  invalid: 'invalid',
} as const;
export type LetterOrigin = (typeof LetterOrigin)[keyof typeof LetterOrigin];

/** Entries of a letter's history. */
export const LetterAction = {
  received: 'received',
  attempt: 'attempt',
  parked: 'parked',
  replay: 'replay',
  discard: 'discard',
} as const;
export type LetterAction = (typeof LetterAction)[keyof typeof LetterAction];

/** Codes of failures the dead-letter functions classify themselves. */
export const LetterFailureCode = {
  invalidLetter: 'INVALID_DEAD_LETTER',
  /** PostgreSQL refused the letter as it came (a value out of range, a field too big to index). */
  unstorable: 'LETTER_NOT_STORABLE',
  retriesExhausted: 'RETRIES_EXHAUSTED',
  noProjector: 'NO_PROJECTOR_FOR_TOPIC',
  markerPresent: 'PROCESSED_MARKER_PRESENT',
} as const;

/** The environment of the dead-letter functions (validated; docs/dead-letters.md). */
export const DeadLetterEnvVariable = {
  maxAttempts: 'DEAD_LETTER_MAX_ATTEMPTS',
  backoffBaseSeconds: 'DEAD_LETTER_BACKOFF_BASE_SECONDS',
  backoffCapSeconds: 'DEAD_LETTER_BACKOFF_CAP_SECONDS',
  leaseSeconds: 'DEAD_LETTER_LEASE_SECONDS',
  batchSize: 'DEAD_LETTER_RETRY_BATCH_SIZE',
} as const;

/** Powertools service name of the dead-letter metrics (the DeadLettersParked alarm's dimension). */
export const DEAD_LETTER_SERVICE = 'dead-letter';
export const DEAD_LETTER_RETRIER_SERVICE = 'dead-letter-retrier';

/** Metric names of the dead-letter functions. */
export const DeadLetterMetric = {
  stored: 'DeadLettersStored',
  duplicates: 'DeadLettersDuplicate',
  parked: 'DeadLettersParked',
  resolved: 'DeadLettersResolved',
  /** Records rejected instead of parked when their retries ran out (they count as resolved too). */
  rejected: 'DeadLettersRejected',
  retried: 'DeadLettersRetried',
  /** Seconds since the oldest letter still received, retrying or parked arrived (0: none). */
  oldestUnresolvedAge: 'OldestUnresolvedDeadLetterAge',
} as const;
export type DeadLetterMetric = (typeof DeadLetterMetric)[keyof typeof DeadLetterMetric];
