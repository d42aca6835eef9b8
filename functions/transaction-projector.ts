/**
 * Projects billing.transaction.events into the ledger read model (topups, withdrawals, refunds,
 * transfer legs), emitting balance changes and transfer-leg outcomes through the outbox.
 * Trigger: MSK, billing.transaction.events.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, MSKEvent } from 'aws-lambda';
import { ProjectorName, transactionProjector } from '../lib/ledger';
import { decodeBillingMskEvent } from '../lib/msk';
import { METRICS_NAMESPACE, type ProjectionReport, projectBatch, reportProjection } from '../lib/projection';

const logger = new Logger({ serviceName: ProjectorName.transaction });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ProjectorName.transaction });

const lambdaHandler = async (event: MSKEvent, _context: Context): Promise<ProjectionReport> => {
  const decoded = decodeBillingMskEvent(event);
  const report = await projectBatch(transactionProjector, decoded, { logger, now: new Date() });
  reportProjection(report, metrics, logger);
  return report;
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
