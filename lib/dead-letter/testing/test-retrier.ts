import type { Logger } from '@aws-lambda-powertools/logger';
import { databasePool } from '../../database';
import { outboxPublisher } from '../../projection/resources';
import { replayLetter, retryDueLetters } from '../retrier';
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

const DAY = 86_400_000;

/**
 * The retrier as the integration tests run it, on the projection resources of `process.env`:
 * each run "a day later" than the one before (every due letter is due), jitter fixed.
 */
export function testRetrier(logger: Logger) {
  let clock = Date.now();
  const later = () => {
    clock += DAY;
    return new Date(clock);
  };
  const deps = async () => ({
    pool: await databasePool(process.env, logger),
    publisher: outboxPublisher(process.env, logger),
  });
  const settings = TEST_RETRY_SETTINGS;
  return {
    later,
    retry: async (now = later()) =>
      retryDueLetters(await deps(), { now, settings, random: () => 0.5, logger }),
    replay: async (id: string) =>
      replayLetter(id, await deps(), {
        now: later(),
        settings,
        random: () => 0.5,
        logger,
        by: 'test-operator',
      }),
  };
}
