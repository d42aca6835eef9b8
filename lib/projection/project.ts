import type { Logger } from '@aws-lambda-powertools/logger';
import type { BillingEvent } from '../../schemas';
import { databasePool } from '../database';
import type { DecodedMskEvent } from '../msk';
import { outboxPublisher } from './resources';
import { projectMskEvent } from './runner';
import type { ProjectionReport, TopicProjector } from './types';

/**
 * What a projector handler calls: projects a decoded MSK event with the database and cluster of
 * the validated environment. Throws (the invocation fails, the batch is redelivered) on a
 * transient failure; bad and deferred records are dead-lettered and do not throw.
 */
export async function projectBatch(
  projector: TopicProjector,
  decoded: DecodedMskEvent<BillingEvent>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly logger: Logger; readonly now: Date },
): Promise<ProjectionReport> {
  const env = options.env ?? process.env;
  return projectMskEvent(
    decoded,
    {
      pool: await databasePool(env, options.logger),
      publisher: outboxPublisher(env, options.logger),
      projector,
    },
    { now: options.now.toISOString(), logger: options.logger },
  );
}
