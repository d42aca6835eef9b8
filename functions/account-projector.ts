/**
 * Projects billing.account.events into the accounts of the read model (openings, status
 * changes); balance changes, its own output, are only marked processed.
 * Trigger: MSK, billing.account.events.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, MSKEvent } from 'aws-lambda';
import { accountProjector, ProjectorName } from '../lib/ledger';
import { decodeBillingMskEvent } from '../lib/msk';
import { METRICS_NAMESPACE, type ProjectionReport, projectBatch, reportProjection } from '../lib/projection';

const logger = new Logger({ serviceName: ProjectorName.account });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ProjectorName.account });

const lambdaHandler = async (event: MSKEvent, _context: Context): Promise<ProjectionReport> => {
  const decoded = decodeBillingMskEvent(event);
  const report = await projectBatch(accountProjector, decoded, { logger, now: new Date() });
  reportProjection(report, metrics, logger);
  return report;
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
