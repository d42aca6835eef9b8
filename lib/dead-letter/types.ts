import type { Logger } from '@aws-lambda-powertools/logger';
import type { RetrySettings } from './schedule';

/** What every run of the dead-letter functions is given: the time, the schedule, jitter, a logger. */
export interface RetrierContext {
  readonly now: Date;
  readonly settings: RetrySettings;
  readonly random: () => number;
  readonly logger: Logger;
}
