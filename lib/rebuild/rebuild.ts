import type { Logger } from '@aws-lambda-powertools/logger';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TopicName } from '../../schemas';
import { endOffsetsRidingLeaderMoves, freshAdminOf } from '../kafka/leader-moves';
import { accountProjector, transactionOutcomeProjector } from '../ledger';
import type { TopicProjector } from '../projection/types';
import { transferRebuildProjector } from '../saga/projector';
import { type FoldProgress, foldTopic } from './fold-topic';

/**
 * What a rebuild folds, in phases: the accounts first (billing.account.events, whose projector
 * reads nothing but that topic), then, side by side, the transaction outcomes (which need their
 * accounts) and the transfers. Each projector applies facts and decides nothing again.
 */
export const REBUILD_PHASES: readonly (readonly TopicProjector[])[] = [
  [accountProjector],
  [transactionOutcomeProjector, transferRebuildProjector],
];

/** The topics in the order their ends are captured: facts first, then what they build on. */
const CAPTURE_ORDER: readonly TopicName[] = [
  TopicName.transactionOutcomes,
  TopicName.sagaEvents,
  TopicName.transactionEvents,
  TopicName.accountEvents,
];

/** The next offset of each partition of each folded topic (keyed by the billing topic's name). */
export type LogEnds = ReadonlyMap<string, ReadonlyMap<number, bigint>>;

/**
 * Where each billing topic is read, where it differs (a test's or benchmark's own copies of the
 * topics, RunTopics' aliases), as KafkaEventStore's topicAliases. The ends, the records and the
 * report keep the billing topics' names.
 */
export type RebuildTopicAliases = Readonly<Partial<Record<TopicName, string>>>;

const physicalOf = (aliases: RebuildTopicAliases, topic: TopicName): string => aliases[topic] ?? topic;

/** The consumer group of one fold of a rebuild. */
export const rebuildGroupOf = (rebuildId: string, projector: TopicProjector): string =>
  `billing.rebuild.${rebuildId}.${projector.name}`;

async function topicEnds(
  admin: Admin,
  topic: string,
  freshAdmin: () => Promise<Admin>,
): Promise<Map<number, bigint>> {
  const ends = await endOffsetsRidingLeaderMoves(admin, topic, freshAdmin);
  return new Map([...ends].map(([partition, end]) => [partition, BigInt(end)]));
}

/**
 * The log's ends, captured facts first: every outcome below its captured end was decided on an
 * account whose opening was appended before, hence below the account topic's end captured after.
 */
export async function captureLogEnds(
  admin: Admin,
  freshAdmin: () => Promise<Admin>,
  phases: readonly (readonly TopicProjector[])[] = REBUILD_PHASES,
  topicAliases: RebuildTopicAliases = {},
): Promise<LogEnds> {
  const read = new Set(phases.flat().map((projector) => projector.topic));
  const ends = new Map<string, Map<number, bigint>>();
  for (const topic of CAPTURE_ORDER.filter((name) => read.has(name)))
    ends.set(topic, await topicEnds(admin, physicalOf(topicAliases, topic), freshAdmin));
  return ends;
}

/** The topics a rebuild would read (through `topicAliases`) that the cluster does not have. */
export async function missingRebuildTopics(
  admin: Admin,
  topicAliases: RebuildTopicAliases = {},
  phases: readonly (readonly TopicProjector[])[] = REBUILD_PHASES,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return [...new Set(phases.flat().map((projector) => physicalOf(topicAliases, projector.topic)))].filter(
    (topic) => !existing.has(topic),
  );
}

/** Where each partition of a group stands: its committed offsets, else the first offset. */
async function groupStarts(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const partitions = committed?.partitions ?? [];
  return new Map(
    partitions.map((entry) => [entry.partition, BigInt(entry.offset) < 0n ? 0n : BigInt(entry.offset)]),
  );
}

export interface RebuildOptions {
  readonly kafka: Kafka;
  /** The new read model (migrated, empty, or a rebuild's own to resume). */
  readonly pool: Pool;
  /** Names the rebuild's consumer groups; the same id resumes where they committed. */
  readonly rebuildId: string;
  readonly bootstrapServers: readonly string[];
  readonly logger: Logger;
  /** Where to stop; captured now when absent. */
  readonly ends?: LogEnds;
  /** Where each billing topic is read, where it differs (a run's own topics); the billing topics by default. */
  readonly topicAliases?: RebuildTopicAliases;
  readonly onProgress?: (progress: FoldProgress & { readonly phase: number }) => void;
  readonly now?: () => Date;
  /** The projectors of each phase: REBUILD_PHASES (a test compares them with the deciding ones). */
  readonly phases?: readonly (readonly TopicProjector[])[];
}

export interface RebuildReport {
  readonly ends: LogEnds;
  /** Records projected per topic by this run. */
  readonly projected: ReadonlyMap<string, number>;
  /** Records per topic that could not be applied (dead-lettered in the new database's outbox). */
  readonly notApplied: ReadonlyMap<string, number>;
}

/**
 * Builds a read model from the log alone, into `pool`'s database, under consumer groups of its
 * own (`billing.rebuild.<id>.<projector>`): every topic (or its alias) from its first offset up to
 * the ends captured at the start, the phases one after the other. The live read model is neither
 * read nor written; nothing is published.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildReport> {
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const aliases = options.topicAliases ?? {};
    const ends =
      options.ends ?? (await captureLogEnds(admin, freshAdminOf(options.kafka), options.phases, aliases));
    const projected = new Map<string, number>();
    const notApplied = new Map<string, number>();
    for (const [index, phase] of (options.phases ?? REBUILD_PHASES).entries()) {
      await Promise.all(
        phase.map(async (projector) => {
          const groupId = rebuildGroupOf(options.rebuildId, projector);
          const physicalTopic = physicalOf(aliases, projector.topic);
          const result = await foldTopic({
            kafka: options.kafka,
            pool: options.pool,
            projector,
            physicalTopic,
            groupId,
            ends: ends.get(projector.topic) ?? new Map(),
            starts: await groupStarts(admin, groupId, physicalTopic),
            bootstrapServers: options.bootstrapServers,
            logger: options.logger,
            onProgress: (progress) => options.onProgress?.({ ...progress, phase: index + 1 }),
            ...(options.now ? { now: options.now } : {}),
          });
          projected.set(projector.topic, (projected.get(projector.topic) ?? 0) + result.projected);
          notApplied.set(projector.topic, (notApplied.get(projector.topic) ?? 0) + result.notApplied);
        }),
      );
    }
    return { ends, projected, notApplied };
  } finally {
    await admin.disconnect();
  }
}

/** True when `later` is no further than `earlier` on any partition: nothing was appended between. */
export const sameEnds = (earlier: LogEnds, later: LogEnds): boolean =>
  [...later].every(([topic, partitions]) =>
    [...partitions].every(([partition, end]) => earlier.get(topic)?.get(partition) === end),
  );
