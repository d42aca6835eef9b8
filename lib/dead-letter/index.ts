/**
 * Dead letters (docs/design.md: Dead letters): the letters read from billing.dead-letter (ours and
 * Lambda's native on-failure records) and the retry schedule. The letter a projector writes
 * (`buildDeadLetter`) is lib/projection's: the runner writes it, this module reads it. The I/O side
 * (intake, store, retrier, re-application) is imported from its own files.
 */

export {
  DEAD_LETTER_RETRIER_SERVICE,
  DEAD_LETTER_SERVICE,
  DeadLetterEnvVariable,
  DeadLetterMetric,
  DeadLetterStatus,
  LetterAction,
  LetterFailureCode,
  LetterOrigin,
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
