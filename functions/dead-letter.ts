/**
 * Stores every letter of billing.dead-letter in PostgreSQL, once per source record: our
 * DeadLetterRecorded envelopes and Lambda's native on-failure records. Permanent ones are parked.
 * Trigger: MSK, billing.dead-letter.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, MSKEvent } from 'aws-lambda';
import { databasePool } from '../lib/database';
import { DEAD_LETTER_SERVICE, DeadLetterMetric, loadRetrySettings } from '../lib/dead-letter';
import { receiveDeadLetters } from '../lib/dead-letter/intake';
import { METRICS_NAMESPACE } from '../lib/projection';

const logger = new Logger({ serviceName: DEAD_LETTER_SERVICE });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: DEAD_LETTER_SERVICE });

const lambdaHandler = async (event: MSKEvent, _context: Context) => {
  const report = await receiveDeadLetters(
    event,
    { pool: await databasePool(process.env, logger) },
    { now: new Date(), settings: loadRetrySettings(), random: Math.random, logger },
  );
  metrics.addMetric(DeadLetterMetric.stored, MetricUnit.Count, report.stored);
  metrics.addMetric(DeadLetterMetric.duplicates, MetricUnit.Count, report.duplicates);
  metrics.addMetric(DeadLetterMetric.parked, MetricUnit.Count, report.parked.length);
  logger.info('Dead letters stored', {
    received: report.received,
    stored: report.stored,
    parked: report.parked.length,
  });
  return report;
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
