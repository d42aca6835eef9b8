/**
 * Dead letters (docs/design.md: Dead letters): the DeadLetterRecorded envelope of a record that could
 * not be applied, with the original coordinates and bytes, and a deterministic id; the letters
 * read from billing.dead-letter (ours and Lambda's native on-failure records) and the retry
 * schedule. The I/O side (store, retrier, re-application) is `./retrier` and `./store`, imported
 * directly: they build on lib/projection, which builds on this module.
 */

export { buildDeadLetter, deadLetterIdOf } from './build';
export {
  DEAD_LETTER_RETRIER_SERVICE,
  DEAD_LETTER_SERVICE,
  DeadLetterEnvVariable,
  DeadLetterMetric,
  DeadLetterStatus,
  FIRST_ATTEMPT,
  LetterAction,
  LetterFailureCode,
  LetterOrigin,
  MAX_FAILURE_MESSAGE_LENGTH,
} from './constants';
export { DeadLetterCommandError, DeadLetterConfigError, DeadLetterError } from './errors';
export {
  type IncomingLetter,
  LambdaOnFailureRecordSchema,
  type LetterSource,
  lettersOfRecord,
} from './incoming';
export {
  backoffMs,
  isLastAttempt,
  loadRetrySettings,
  type NextStep,
  nextStepAfterFailure,
  type RetrySettings,
} from './schedule';
export type { DeadLetterInput, RecordFailure } from './types';
