import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, MSKEvent } from 'aws-lambda';
import { decodeBillingMskEvent } from '../msk';
import { METRICS_NAMESPACE } from './constants';
import { projectBatch } from './project';
import { reportProjection } from './report';
import type { ProjectionReport, TopicProjector } from './types';

/** What a projector's function says besides its projector. */
export interface ProjectorHandlerOptions {
  /** Powertools' service: the function's name in kebab case, the dimension of its metrics. */
  readonly serviceName: string;
}

/**
 * The Lambda handler of an MSK-triggered projector: decodes the batch, projects it, adds its
 * counts to the function's metrics and logs a summary. A function file is then one line.
 * Throws only on a transient failure (projectBatch), so that Lambda redelivers the batch.
 */
export function projectorHandler(projector: TopicProjector, options: ProjectorHandlerOptions) {
  const logger = new Logger({ serviceName: options.serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: options.serviceName });
  const project = async (event: MSKEvent, _context: Context): Promise<ProjectionReport> => {
    const decoded = decodeBillingMskEvent(event);
    const report = await projectBatch(projector, decoded, { logger, now: new Date() });
    reportProjection(report, metrics, logger);
    return report;
  };
  return middy(project)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
