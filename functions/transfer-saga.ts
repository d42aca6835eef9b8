/**
 * Runs the transfer saga on billing.saga.events: keeps the `transfers` table and requests the
 * debit, credit and compensation legs (billing.transaction.events) and the outcomes
 * (billing.saga.events) through the outbox. Trigger: MSK, billing.saga.events.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, MSKEvent } from 'aws-lambda';
import { decodeBillingMskEvent } from '../lib/msk';
import { METRICS_NAMESPACE, type ProjectionReport, projectBatch, reportProjection } from '../lib/projection';
import { TRANSFER_SAGA, transferSagaProjector } from '../lib/saga';

const logger = new Logger({ serviceName: TRANSFER_SAGA });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: TRANSFER_SAGA });

const lambdaHandler = async (event: MSKEvent, _context: Context): Promise<ProjectionReport> => {
  const decoded = decodeBillingMskEvent(event);
  const report = await projectBatch(transferSagaProjector, decoded, { logger, now: new Date() });
  reportProjection(report, metrics, logger);
  return report;
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
