/**
 * Dead letters (DESIGN.md: Dead letters): the DeadLetterRecorded envelope of a record that could
 * not be applied, with the original coordinates and bytes, and a deterministic id.
 */

export { buildDeadLetter, deadLetterIdOf } from './build';
export { FIRST_ATTEMPT, MAX_FAILURE_MESSAGE_LENGTH } from './constants';
export { DeadLetterError } from './errors';
export type { DeadLetterInput, RecordFailure } from './types';
