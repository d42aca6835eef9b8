import type { Admin, Kafka } from 'kafkajs';
import {
  endOffsetsRidingLeaderMoves,
  freshAdminOf,
  LEADER_MOVE_RETRY,
  type LeaderMoveRetry,
  rideOutLeaderMoves,
} from '../leader-moves';

/*
 * The end offsets of every `billing.*` topic, read before and after a whole test run and compared:
 * tests and benchmarks keep out of the topics `npm start` consumes (docs/testing.md: Topics), so
 * nothing of the run may move them.
 */

/** Every billing topic starts with this (TopicName); run topics start with `test.`. */
export const BILLING_TOPIC_ROOT = 'billing.';

/** The next offset to be written of each partition of each topic: topic, partition, offset (decimal). */
export type TopicEnds = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What was recorded at a run's start: the ends, or why they could not be read. */
export type TopicEndsRecord =
  | { readonly recordedAt: string; readonly ends: TopicEnds }
  | { readonly recordedAt: string; readonly error: string };

/**
 * The end offsets of every partition of every `billing.*` topic. Leader moves (a broker stopped or
 * restarted by an earlier test) are ridden out: each retry asks through a fresh admin.
 */
export async function readBillingTopicEnds(
  kafka: Kafka,
  retry: LeaderMoveRetry = LEADER_MOVE_RETRY,
): Promise<TopicEnds> {
  const freshAdmin = freshAdminOf(kafka);
  const admin = await rideOutLeaderMoves(() => freshAdmin(), retry);
  try {
    const topics = await rideOutLeaderMoves(async (attempt) => {
      const asking: Admin = attempt === 0 ? admin : await freshAdmin();
      try {
        return await asking.listTopics();
      } finally {
        if (asking !== admin) await asking.disconnect();
      }
    }, retry);
    const ends: Record<string, Record<string, string>> = {};
    for (const topic of topics.filter((name) => name.startsWith(BILLING_TOPIC_ROOT)).sort()) {
      const offsets = await endOffsetsRidingLeaderMoves(admin, topic, freshAdmin, retry);
      ends[topic] = Object.fromEntries(
        [...offsets]
          .sort(([left], [right]) => left - right)
          .map(([partition, end]) => [String(partition), end]),
      );
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** One topic or partition whose end moved; `undefined` where it did not exist. */
export interface TopicEndChange {
  readonly topic: string;
  /** undefined: the whole topic was created or deleted. */
  readonly partition: number | undefined;
  readonly before: bigint | undefined;
  readonly after: bigint | undefined;
}

const sumOf = (partitions: Readonly<Record<string, string>>): bigint =>
  Object.values(partitions).reduce((sum, end) => sum + BigInt(end), 0n);

/** Every topic created or deleted and every partition whose end differs, by topic and partition. */
export function topicEndChanges(before: TopicEnds, after: TopicEnds): TopicEndChange[] {
  const changes: TopicEndChange[] = [];
  for (const topic of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const was = before[topic];
    const is = after[topic];
    if (was === undefined || is === undefined) {
      changes.push({
        topic,
        partition: undefined,
        before: was === undefined ? undefined : sumOf(was),
        after: is === undefined ? undefined : sumOf(is),
      });
      continue;
    }
    const partitions = [...new Set([...Object.keys(was), ...Object.keys(is)])]
      .map(Number)
      .sort((a, b) => a - b);
    for (const partition of partitions) {
      const from = was[String(partition)];
      const to = is[String(partition)];
      if (from !== to)
        changes.push({
          topic,
          partition,
          before: from === undefined ? undefined : BigInt(from),
          after: to === undefined ? undefined : BigInt(to),
        });
    }
  }
  return changes;
}

const signed = (value: bigint): string => (value > 0n ? `+${value}` : String(value));

/** One line per change: `billing.account.events-3: end offset 120 before the run, 122 after (+2)`. */
export function formatTopicEndChange(change: TopicEndChange): string {
  const { topic, partition, before, after } = change;
  if (partition === undefined) {
    return before === undefined
      ? `${topic}: created during the run, ${after} record(s)`
      : `${topic}: deleted during the run, it held ${before} record(s)`;
  }
  if (before === undefined)
    return `${topic}-${partition}: partition added during the run, end offset ${after}`;
  if (after === undefined)
    return `${topic}-${partition}: partition gone after the run, end offset was ${before}`;
  return `${topic}-${partition}: end offset ${before} before the run, ${after} after (${signed(after - before)})`;
}

/** The whole report of a run that moved the billing topics, or undefined when it did not. */
export function describeTopicEndChanges(changes: readonly TopicEndChange[]): string | undefined {
  if (changes.length === 0) return undefined;
  const moved = changes.reduce(
    (sum, change) =>
      change.partition === undefined ? sum : sum + ((change.after ?? 0n) - (change.before ?? 0n)),
    0n,
  );
  const topics = new Set(changes.map((change) => change.topic)).size;
  return [
    `the billing.* topics changed during the run: ${changes.length} change(s) on ${topics} topic(s), ${signed(moved)} record(s) on existing topics`,
    ...changes.map((change) => `  ${formatTopicEndChange(change)}`),
  ].join('\n');
}

/** The JSON of a record, as an environment variable carries it. */
export const serializeTopicEndsRecord = (record: TopicEndsRecord): string => JSON.stringify(record);

const isEnds = (value: unknown): value is TopicEnds =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(value).every(
    (partitions) =>
      typeof partitions === 'object' &&
      partitions !== null &&
      Object.entries(partitions).every(
        ([partition, end]) => /^\d+$/.test(partition) && typeof end === 'string' && /^-?\d+$/.test(end),
      ),
  );

/** A record back from its JSON; throws, naming what is wrong, on anything else. */
export function parseTopicEndsRecord(text: string): TopicEndsRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`the record of the billing topics' end offsets is not JSON: ${(error as Error).message}`);
  }
  const record = value as { recordedAt?: unknown; ends?: unknown; error?: unknown } | null;
  if (typeof record?.recordedAt === 'string' && typeof record.error === 'string')
    return { recordedAt: record.recordedAt, error: record.error };
  if (typeof record?.recordedAt === 'string' && isEnds(record.ends))
    return { recordedAt: record.recordedAt, ends: record.ends };
  throw new Error(`the record of the billing topics' end offsets is malformed: ${text.slice(0, 200)}`);
}
