import { randomUUID } from 'node:crypto';
import type { Context, MSKEvent } from 'aws-lambda';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { CompressionTypes } from 'kafkajs';
import { bootstrapBrokers } from '../../../local/stack/topology';
import type { BillingEvent } from '../../../schemas';
import { createKafkaProducer, KafkaEventStore } from '../../kafka';
import { JavaCompatiblePartitioner } from '../../kafka/partitioner';
import { connectedAdmin, endOffsets, localClient, localConnection } from '../../kafka/testing/cluster';
import { RunTopics } from '../../kafka/testing/run-topics';
import { type SeekTarget, seekWhenReady } from '../../kafka/testing/seek';
import { buildMskEvent, type KafkaRecordInput, recordInputOf } from '../../msk';
import { ProjectionEnvVariable } from '../constants';

/**
 * Test harness: events produced to the real cluster, consumed back from recorded offsets with
 * kafkajs, wrapped into real MSK events (as the event source mapping builds them) and handed to
 * the real, middy-wrapped handlers. Started with a run's topics (RunTopics), it writes and reads
 * those while its callers, and the MSK events it builds, keep the billing topics' names.
 */

export type Offsets = Map<string, Map<number, string>>;

const TOPIC_PREFIX_VARIABLE = ProjectionEnvVariable.topicPrefix;
export type LambdaHandler = (event: MSKEvent, context: Context) => Promise<unknown>;

export const LOCAL_CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/billing-local/00000000-0000-0000-0000-000000000000-1';

/** A Lambda context good enough for the handlers and middy. */
export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 900_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export class MskHarness {
  readonly client: Kafka;
  readonly admin: Admin;
  readonly store: KafkaEventStore;
  readonly raw: Producer;
  /** The run's own topics, when it has them; otherwise the billing topics themselves. */
  readonly topics: RunTopics | undefined;
  /** The topics were created by startOnRunTopics: stop() deletes them. */
  #ownsTopics = false;

  private constructor(
    client: Kafka,
    admin: Admin,
    store: KafkaEventStore,
    raw: Producer,
    topics: RunTopics | undefined,
  ) {
    this.client = client;
    this.admin = admin;
    this.store = store;
    this.raw = raw;
    this.topics = topics;
  }

  static async start(options: { readonly topics?: RunTopics } = {}): Promise<MskHarness> {
    const client = await localClient();
    const admin = client.admin();
    await admin.connect();
    const store = new KafkaEventStore({
      producer: createKafkaProducer(await localConnection()),
      ...(options.topics ? { topicAliases: options.topics.aliases() } : {}),
    });
    await store.connect();
    const raw = client.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: JavaCompatiblePartitioner,
    });
    await raw.connect();
    return new MskHarness(client, admin, store, raw, options.topics);
  }

  /** Where a billing topic's records are written and read. */
  physical(topic: string): string {
    return this.topics ? this.topics.physical(topic) : topic;
  }

  /** The billing topic of a topic read. */
  contract(topic: string): string {
    return this.topics ? this.topics.contract(topic) : topic;
  }

  /**
   * A harness on topics of the run's own (RunTopics, named after `label`), with the projectors'
   * outbox sent there too (BILLING_TOPIC_PREFIX): nothing the run appends reaches the billing
   * topics. stop() deletes the topics and unsets the prefix.
   */
  static async startOnRunTopics(label: string): Promise<MskHarness> {
    const admin = await connectedAdmin();
    try {
      const topics = await RunTopics.create(admin, label);
      try {
        const harness = await MskHarness.start({ topics });
        harness.#ownsTopics = true;
        process.env[TOPIC_PREFIX_VARIABLE] = topics.prefix;
        return harness;
      } catch (error) {
        await topics.delete(admin).catch(() => undefined);
        throw error;
      }
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    if (this.#ownsTopics && process.env[TOPIC_PREFIX_VARIABLE] === this.topics?.prefix) {
      delete process.env[TOPIC_PREFIX_VARIABLE];
    }
    await Promise.allSettled([this.store.disconnect(), this.raw.disconnect()]);
    if (this.#ownsTopics) await this.topics?.delete(this.admin).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** The next offset to be written, per partition, of each topic (riding out leader moves). */
  async endOffsets(topics: readonly string[]): Promise<Offsets> {
    const offsets: Offsets = new Map();
    for (const topic of topics) {
      offsets.set(topic, await endOffsets(this.admin, this.physical(topic)));
    }
    return offsets;
  }

  /** Appends events through the event store (validated); throws if refused. */
  async append(events: readonly BillingEvent[]): Promise<void> {
    for (let index = 0; index < events.length; index += 2_000) {
      const result = await this.store.appendMany(events.slice(index, index + 2_000));
      if (!result.ok) throw new Error(`append refused: ${result.rejection.message}`);
    }
  }

  /** Writes hand-made records (malformed ones) straight to a topic, acks=all. */
  async appendRaw(
    topic: string,
    records: readonly { key: string; value: Buffer | string; headers?: Record<string, string> }[],
  ): Promise<void> {
    await this.raw.send({
      topic: this.physical(topic),
      acks: -1,
      compression: CompressionTypes.LZ4,
      messages: [...records],
    });
  }

  /**
   * Reads every record of the given topics between `starts` and `ends` (exclusive), calling
   * `onBatch` with each fetched batch, one batch per partition in flight; resolves when every
   * partition has reached its end.
   */
  async readRange(
    starts: Offsets,
    ends: Offsets,
    onBatch: (records: KafkaRecordInput[]) => Promise<void>,
    options: { timeoutMs?: number; maxBytesPerPartition?: number } = {},
  ): Promise<void> {
    const remaining = new Map<string, bigint>();
    for (const [topic, partitions] of ends) {
      for (const [partition, end] of partitions) {
        const start = starts.get(topic)?.get(partition) ?? '0';
        if (BigInt(end) > BigInt(start)) remaining.set(`${topic}|${partition}`, BigInt(end));
      }
    }
    if (remaining.size === 0) return;
    const handed = new Map<string, bigint>();
    const lanes = new Map<string, Promise<void>>();
    const consumer = this.client.consumer({
      groupId: `billing-tests-${randomUUID()}`,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: 50 * 1024 * 1024,
      sessionTimeout: 60_000,
      heartbeatInterval: 3_000,
    });
    let finish: () => void = () => undefined;
    let fail: (error: unknown) => void = () => undefined;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    try {
      await consumer.connect();
      for (const topic of ends.keys()) {
        await consumer.subscribe({ topic: this.physical(topic), fromBeginning: true });
      }
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 16,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat }) => {
          const topic = this.contract(batch.topic);
          const id = `${topic}|${batch.partition}`;
          const handOver = async () => {
            const end = remaining.get(id);
            if (end === undefined) return;
            const records: KafkaRecordInput[] = [];
            // The next offset to hand over: a fetch made before the seek below took effect (from
            // the beginning of a run's topic, where the start is offset 0) is not handed over twice.
            const start = handed.get(id) ?? BigInt(starts.get(topic)?.get(batch.partition) ?? '0');
            for (const message of batch.messages) {
              if (BigInt(message.offset) < start) continue;
              if (BigInt(message.offset) >= end) break;
              records.push(recordInputOf(topic, batch.partition, message));
            }
            try {
              if (records.length > 0) await onBatch(records);
            } catch (error) {
              fail(error);
              return;
            }
            await heartbeat();
            const last = records.at(-1);
            if (last) handed.set(id, BigInt(last.offset) + 1n);
            if (last && BigInt(last.offset) + 1n >= end) {
              remaining.delete(id);
              if (remaining.size === 0) finish();
            }
          };
          // One batch per partition in flight, in order: the fetches before and after the seek can
          // both be in progress for one partition.
          const handing = (lanes.get(id) ?? Promise.resolve()).catch(() => undefined).then(handOver);
          lanes.set(id, handing);
          await handing;
        },
      });
      const targets: SeekTarget[] = [];
      for (const [topic, partitions] of ends) {
        for (const partition of partitions.keys()) {
          const start = starts.get(topic)?.get(partition) ?? '0';
          if (remaining.has(`${topic}|${partition}`)) {
            targets.push({ topic: this.physical(topic), partition, offset: start });
          }
        }
      }
      await seekWhenReady(consumer, targets);
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = options.timeoutMs ?? 120_000;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`range not read within ${timeoutMs} ms: ${[...remaining.keys()].join(', ')} left`),
            ),
          timeoutMs,
        );
      });
      await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
    }
  }

  /** Every record between `starts` and `ends` whose key passes `keep`, per topic-partition in offset order. */
  async collect(
    starts: Offsets,
    ends: Offsets,
    keep: (key: string | null) => boolean,
  ): Promise<KafkaRecordInput[]> {
    const records: KafkaRecordInput[] = [];
    await this.readRange(starts, ends, async (batch) => {
      for (const record of batch) if (keep(record.key?.toString('utf8') ?? null)) records.push(record);
    });
    return sortRecords(records);
  }
}

/** Records sorted by topic, partition and offset. */
export const sortRecords = (records: readonly KafkaRecordInput[]): KafkaRecordInput[] =>
  [...records].sort((left, right) =>
    left.topic !== right.topic
      ? left.topic.localeCompare(right.topic)
      : left.partition !== right.partition
        ? left.partition - right.partition
        : Number(BigInt(left.offset) - BigInt(right.offset)),
  );

/**
 * MSK events as the event source mapping delivers them: at most `batchSize` records per
 * topic-partition per event, in offset order; with JSON round trip, as Lambda hands it over.
 */
export function mskEventsOf(records: readonly KafkaRecordInput[], batchSize = 500): MSKEvent[] {
  const byPartition = new Map<string, KafkaRecordInput[]>();
  for (const record of sortRecords(records)) {
    const id = `${record.topic}-${record.partition}`;
    byPartition.set(id, [...(byPartition.get(id) ?? []), record]);
  }
  const events: MSKEvent[] = [];
  for (let round = 0; ; round++) {
    const chunk = [...byPartition.values()].flatMap((list) =>
      list.slice(round * batchSize, (round + 1) * batchSize),
    );
    if (chunk.length === 0) break;
    const event = buildMskEvent({
      eventSourceArn: LOCAL_CLUSTER_ARN,
      bootstrapServers: bootstrapBrokers,
      records: chunk,
    });
    events.push(JSON.parse(JSON.stringify(event)) as MSKEvent);
  }
  return events;
}

/** Invokes a handler with each event in turn; resolves with their results. */
export async function invokeAll(handler: LambdaHandler, functionName: string, events: readonly MSKEvent[]) {
  const results: unknown[] = [];
  for (const event of events) results.push(await handler(event, lambdaContext(functionName)));
  return results;
}
