import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ProjectionMetric } from './constants';
import type { ProjectionReport } from './types';

/** Adds an invocation's counts to its metrics and logs a one-line summary. */
export function reportProjection(report: ProjectionReport, metrics: Metrics, logger: Logger): void {
  for (const [metric, value] of Object.entries(report.totals) as [ProjectionMetric, number][]) {
    metrics.addMetric(metric, MetricUnit.Count, value);
  }
  logger.info('Batch projected', { partitions: report.partitions.length, ...report.totals });
}
