import type { Logger } from '@aws-lambda-powertools/logger';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { decodeBillingMskEvent } from '../msk';
import { buildMskEvent, recordInputOf } from '../msk/build';
import type { EventPublisher } from '../outbox';
import { ProjectionMetric } from '../projection/constants';
import { projectMskEvent } from '../projection/runner';
import type { TopicProjector } from '../projection/types';

/** The event source a rebuild's MSK events name (never a real cluster's). */
export const REBUILD_EVENT_SOURCE_ARN = 'arn:aws:kafka:local:000000000000:cluster/billing-rebuild/rebuild';

/** Records projected in one transaction at most (a fetched batch can hold thousands). */
const CHUNK = 500;
/** Wait before retrying a batch that failed (a database restart, a fact ahead of what it builds on). */
const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];
const MAX_TRIES = 30;

/**
 * A rebuild writes no event: what its projectors would emit (dead letters of records that fail
 * their schema) stays in the new database's outbox, marked published, and never reaches Kafka.
 */
export const discardingPublisher: EventPublisher = {
  async publish() {},
  async publishMessages() {},
};

export interface FoldProgress {
  readonly topic: string;
  readonly projected: number;
  readonly total: number;
}

/** What a fold did: records handed to the projector, and those it could not apply (dead-lettered). */
export interface FoldResult {
  readonly projected: number;
  readonly notApplied: number;
}

export interface FoldTopicOptions {
  readonly kafka: Kafka;
  readonly pool: Pool;
  readonly projector: TopicProjector;
  /**
   * Where the projector's topic is read, if elsewhere (a run's own copy of it): its records are
   * still handed over under the projector's topic.
   */
  readonly physicalTopic?: string;
  /** The consumer group of this fold (a new one per rebuild: it starts at the first offset). */
  readonly groupId: string;
  /** Where to stop: the next offset of each partition, as captured before the fold. */
  readonly ends: ReadonlyMap<number, bigint>;
  /** Where the group starts (its committed offsets, 0 for a new group), to count progress. */
  readonly starts?: ReadonlyMap<number, bigint>;
  readonly bootstrapServers: readonly string[];
  readonly logger: Logger;
  readonly onProgress?: (progress: FoldProgress) => void;
  readonly now?: () => Date;
}

/**
 * Consumes one topic from its first offset up to `ends` in a consumer group of its own and hands
 * each partition's records, in offset order and as Lambda's MSK events, to the projector through
 * the exactly-once runner (processed markers: a record redelivered after a restart changes nothing).
 * A failed batch is retried in order, never skipped; after MAX_TRIES it fails the fold. A record
 * the projector cannot apply (it fails its schema, its account is not in the log) is dead-lettered
 * into the new database's outbox and counted. Resolves once every partition reached its end.
 */
export async function foldTopic(options: FoldTopicOptions): Promise<FoldResult> {
  const { projector, ends } = options;
  const topic = projector.topic;
  const next = new Map<number, bigint>(
    [...ends.keys()].map((partition) => [partition, options.starts?.get(partition) ?? 0n]),
  );
  const total = [...ends].reduce(
    (sum, [partition, end]) => sum + Number(end - (next.get(partition) ?? 0n)),
    0,
  );
  const done = () => [...ends].every(([partition, end]) => (next.get(partition) ?? 0n) >= end);
  let projected = 0;
  let notApplied = 0;
  if (done()) return { projected, notApplied };

  const consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 250 });
  const now = options.now ?? (() => new Date());
  let finish: () => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.physicalTopic ?? topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
        const end = ends.get(batch.partition) ?? 0n;
        const messages = batch.messages.filter((message) => BigInt(message.offset) < end);
        for (let from = 0; from < messages.length; from += CHUNK) {
          const chunk = messages.slice(from, from + CHUNK);
          const event = buildMskEvent({
            eventSourceArn: REBUILD_EVENT_SOURCE_ARN,
            bootstrapServers: options.bootstrapServers,
            records: chunk.map((message) => recordInputOf(topic, batch.partition, message)),
          });
          for (let attempt = 1; ; attempt += 1) {
            try {
              const report = await projectMskEvent(
                decodeBillingMskEvent(event),
                { pool: options.pool, publisher: discardingPublisher, projector },
                { now: now().toISOString(), logger: options.logger },
              );
              notApplied += report.totals[ProjectionMetric.deadLettered] ?? 0;
              break;
            } catch (error) {
              if (attempt >= MAX_TRIES) {
                fail(error);
                throw error;
              }
              options.logger.warn('Rebuild batch failed: retried in order', {
                topic,
                partition: batch.partition,
                attempt,
                error: error as Error,
              });
              await new Promise((resolve) =>
                setTimeout(resolve, RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)]),
              );
              await heartbeat();
            }
          }
          const last = chunk[chunk.length - 1]?.offset ?? '0';
          resolveOffset(last);
          await commitOffsetsIfNecessary();
          next.set(batch.partition, BigInt(last) + 1n);
          projected += chunk.length;
          options.onProgress?.({ topic, projected, total });
        }
        if (messages.length < batch.messages.length) next.set(batch.partition, end);
        if (done()) finish();
      },
    });
    await finished;
    return { projected, notApplied };
  } finally {
    await consumer.disconnect();
  }
}
