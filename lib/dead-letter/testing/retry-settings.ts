import type { RetrySettings } from '../schedule';

/**
 * The retry schedule of the dead-letter integration tests: three attempts in all (the original
 * failure included), each due well within a day, so a test's clock jumps a DAY per retrier run.
 */
export const TEST_RETRY_SETTINGS: RetrySettings = {
  maxAttempts: 3,
  backoffBaseMs: 60_000,
  backoffCapMs: 600_000,
  leaseMs: 300_000,
  batchSize: 100,
};

export const DAY = 86_400_000;
