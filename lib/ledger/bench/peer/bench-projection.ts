import { Logger } from '@aws-lambda-powertools/logger';
import type { TopicName } from '../../../../schemas';
import { databasePool } from '../../../database';
import { createKafkaProducer, KafkaEventStore } from '../../../kafka';
import { localConnection } from '../../../kafka/testing/cluster';
import { decodeBillingMskEvent } from '../../../msk';
import { eventStorePublisher } from '../../../outbox';
import { closeHandlerResources } from '../../../projection/resources';
import { projectMskEvent } from '../../../projection/runner';
import type { ProjectionReport } from '../../../projection/types';
import { accountProjector } from '../../account-projector';
import { transactionProjector } from '../../transaction-projector';

/**
 * Our projectors as the peer benchmark runs them: what the projector handlers do (decode the MSK
 * event, project it with the pool of the validated environment, publish the outbox), except that
 * the outbox goes to the benchmark's own topics (the event store's topic aliases), never to the
 * billing topics. The handlers' middy and Powertools wrapping is left out.
 */

export const BenchProjector = { account: 'account', transaction: 'transaction' } as const;
export type BenchProjector = (typeof BenchProjector)[keyof typeof BenchProjector];

const projectors = { account: accountProjector, transaction: transactionProjector } as const;

export type TopicAliases = Readonly<Record<TopicName, string>>;

export interface BenchProjection {
  /** Projects one MSK event (as the Lambda runtime hands it over: parsed JSON). */
  project(projector: BenchProjector, mskEvent: unknown): Promise<ProjectionReport>;
  close(): Promise<void>;
}

export async function openBenchProjection(options: {
  readonly databaseUrl: string;
  readonly aliases: TopicAliases;
  readonly poolSize: number;
}): Promise<BenchProjection> {
  const logger = new Logger({ serviceName: 'bench-peer', logLevel: 'ERROR' });
  const pool = await databasePool(
    { DATABASE_URL: options.databaseUrl, PROJECTION_DB_POOL_SIZE: String(options.poolSize) },
    logger,
  );
  const store = new KafkaEventStore({
    producer: createKafkaProducer(await localConnection(), { logger }),
    logger,
    topicAliases: options.aliases,
  });
  await store.connect();
  const publisher = eventStorePublisher(store);
  return {
    async project(projector, mskEvent) {
      return projectMskEvent(
        decodeBillingMskEvent(mskEvent),
        { pool, publisher, projector: projectors[projector] },
        { now: new Date().toISOString(), logger },
      );
    },
    async close() {
      await Promise.allSettled([store.disconnect(), closeHandlerResources()]);
    },
  };
}
