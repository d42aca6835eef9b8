import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { seekWhenReady } from '../../kafka/testing/seek';
import type { KafkaRecordInput } from '../../msk';
import { type MskHarness, type Offsets, sortRecords } from '../../projection/testing/msk-harness';

/**
 * One consumer that follows the topics for a whole test file and keeps the records of our keys:
 * a round then costs a read of the end offsets instead of a consumer-group join, which on a busy
 * shared cluster takes seconds. Other records are counted through, not kept.
 */
export class TopicTail {
  readonly #harness: MskHarness;
  readonly #topics: readonly string[];
  readonly #consumer: Consumer;
  readonly #keys: Set<string>;
  readonly #positions = new Map<string, bigint>();
  readonly #seen = new Set<string>();
  #buffer: KafkaRecordInput[] = [];

  private constructor(harness: MskHarness, topics: readonly string[], consumer: Consumer, keys: Set<string>) {
    this.#harness = harness;
    this.#topics = topics;
    this.#consumer = consumer;
    this.#keys = keys;
  }

  /** Starts following `topics` from their current ends. */
  static async start(harness: MskHarness, topics: readonly string[]): Promise<TopicTail> {
    const starts = await harness.endOffsets(topics);
    const consumer = harness.client.consumer({
      groupId: `billing-saga-tests-${randomUUID()}`,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 50 * 1024 * 1024,
      sessionTimeout: 60_000,
      heartbeatInterval: 3_000,
    });
    const tail = new TopicTail(harness, topics, consumer, new Set());
    for (const [topic, partitions] of starts)
      for (const [partition, offset] of partitions)
        tail.#positions.set(`${topic}|${partition}`, BigInt(offset));
    await consumer.connect();
    // A harness on a run's topics reads those; records keep the billing topics' names.
    for (const topic of topics)
      await consumer.subscribe({ topic: harness.physical(topic), fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 16,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat }) => {
        const topic = harness.contract(batch.topic);
        for (const message of batch.messages) {
          const id = `${topic}|${batch.partition}`;
          tail.#positions.set(id, BigInt(message.offset) + 1n);
          const key = message.key?.toString('utf8');
          if (key === undefined || !tail.#keys.has(key) || tail.#seen.has(`${id}|${message.offset}`))
            continue;
          tail.#seen.add(`${id}|${message.offset}`);
          tail.#buffer.push({
            topic,
            partition: batch.partition,
            offset: message.offset,
            timestamp: message.timestamp,
            key: message.key,
            value: message.value,
            headers: Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
              (Array.isArray(value) ? value : [value]).map((single) => ({
                key: name,
                value: single === undefined ? null : Buffer.from(single),
              })),
            ),
          });
        }
        await heartbeat();
      },
    });
    await joined;
    await seekWhenReady(
      consumer,
      [...starts].flatMap(([topic, partitions]) =>
        [...partitions].map(([partition, offset]) => ({ topic: harness.physical(topic), partition, offset })),
      ),
    );
    return tail;
  }

  /** Keys whose records to keep from now on (add them before appending their first event). */
  follow(keys: Iterable<string>): void {
    for (const key of keys) this.#keys.add(key);
  }

  /** Every kept record up to the topics' current ends, in topic-partition-offset order. */
  async take(timeoutMs = 60_000): Promise<KafkaRecordInput[]> {
    const ends: Offsets = await this.#harness.endOffsets(this.#topics);
    const deadline = Date.now() + timeoutMs;
    const behind = () =>
      [...ends].flatMap(([topic, partitions]) =>
        [...partitions]
          .filter(([partition, end]) => (this.#positions.get(`${topic}|${partition}`) ?? 0n) < BigInt(end))
          .map(([partition]) => `${topic}|${partition}`),
      );
    for (let left = behind(); left.length > 0; left = behind()) {
      if (Date.now() > deadline) throw new Error(`tail behind on ${left.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const endOf = (record: KafkaRecordInput) => BigInt(ends.get(record.topic)?.get(record.partition) ?? '0');
    const taken = this.#buffer.filter((record) => BigInt(record.offset) < endOf(record));
    this.#buffer = this.#buffer.filter((record) => BigInt(record.offset) >= endOf(record));
    return sortRecords(taken);
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}
