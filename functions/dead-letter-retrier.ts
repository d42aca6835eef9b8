/**
 * Re-applies due retryable dead letters through their projectors, with backoff; parks those out of
 * attempts, except a transfer credit whose destination never opened, which is rejected so that
 * the saga compensates. Trigger: a schedule (every minute); each run drains the due letters in
 * parallel shards for up to 45 s, publishes outbox leftovers, and answers the Idempotency-Keys
 * whose event was appended but whose request never stored its answer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { answerAppendedKeys } from '../lib/api/unanswered-keys';
import { databasePool } from '../lib/database';
import {
  DEAD_LETTER_RETRIER_SERVICE,
  DEAD_LETTER_SERVICE,
  DeadLetterMetric,
  loadRetrySettings,
} from '../lib/dead-letter';
import { loadDrainSettings } from '../lib/dead-letter/drain';
import { projectorOfTopic } from '../lib/dead-letter/reapply';
import { drainDueLetters } from '../lib/dead-letter/retrier';
import { oldestUnresolvedAgeSeconds } from '../lib/dead-letter/store';
import { METRICS_NAMESPACE, outboxPublisher } from '../lib/projection';

const logger = new Logger({ serviceName: DEAD_LETTER_RETRIER_SERVICE });
// Parked letters count under service=dead-letter, whichever function parks them: one alarm.
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: DEAD_LETTER_SERVICE });

const lambdaHandler = async (_event: unknown, context: Context) => {
  const pool = await databasePool(process.env, logger);
  // A backlog is drained in shards (one account's letters in one shard, in order) until none is
  // due or the run's time budget is spent; the next run, a minute later, goes on.
  const report = await drainDueLetters(
    { pool, publisher: outboxPublisher(process.env, logger) },
    {
      clock: () => new Date(),
      settings: loadRetrySettings(),
      drain: loadDrainSettings(context.getRemainingTimeInMillis()),
      random: Math.random,
      logger,
    },
  );
  // Idempotency-Keys whose request ended between its append and its answer, and whose event a
  // projector has recorded since, get the answer their request would have given.
  const answeredKeys = await answerAppendedKeys(
    pool,
    Object.values(projectorOfTopic).map((projector) => projector.name),
    { now: new Date() },
  );
  // Every minute, letters or not: the oldest-unresolved alarm reads a missing value as "not running".
  metrics.addMetric(
    DeadLetterMetric.oldestUnresolvedAge,
    MetricUnit.Seconds,
    await oldestUnresolvedAgeSeconds(pool, new Date()),
  );
  metrics.addMetric(DeadLetterMetric.retried, MetricUnit.Count, report.attempted);
  metrics.addMetric(DeadLetterMetric.resolved, MetricUnit.Count, report.resolved);
  metrics.addMetric(DeadLetterMetric.rejected, MetricUnit.Count, report.rejected);
  metrics.addMetric(DeadLetterMetric.parked, MetricUnit.Count, report.parked);
  logger.info('Dead letters retried', { ...report, answeredKeys });
  return report;
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: false }));
