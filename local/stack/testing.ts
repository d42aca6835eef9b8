import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { billingTopicConfigs } from '../../lib/kafka/topic-specs';
import { registeredBrokers } from './health';
import { localKafka } from './kafka-admin';
import { kafkaNodes } from './topology';

/** Helpers for integration tests against the local cluster (not used by the product code). */

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
  throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

/** Waits until all three brokers are registered. */
export async function waitForAllBrokers(timeoutMs = 180_000): Promise<void> {
  const expected = kafkaNodes.length;
  await waitFor(
    `${expected} registered brokers`,
    async () => ((await registeredBrokers()).length === expected ? true : undefined),
    timeoutMs,
    1_000,
  );
}

/** Waits until every partition of `topics` has its full replica set in sync. */
export async function waitForFullIsr(admin: Admin, topics: string[], timeoutMs = 180_000): Promise<void> {
  await waitFor(
    `full ISR on ${topics.join(', ')}`,
    async () => {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const lagging = metadata.topics.flatMap((topic) =>
        topic.partitions.filter((partition) => partition.isr.length < partition.replicas.length),
      );
      return lagging.length === 0 ? true : undefined;
    },
    timeoutMs,
    1_000,
  );
}

export interface TestTopic {
  readonly name: string;
  delete(): Promise<void>;
}

/** Creates a throw-away topic with the billing topics' settings (RF 3, min ISR 2, lz4, 10 MB). */
export async function createTestTopic(
  kafka: Kafka,
  prefix: string,
  options: { partitions?: number; replicaAssignment?: { partition: number; replicas: number[] }[] } = {},
): Promise<TestTopic> {
  const name = `it.${prefix}.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          ...(options.replicaAssignment
            ? { replicaAssignment: options.replicaAssignment }
            : { numPartitions: options.partitions ?? 3, replicationFactor: 3 }),
          configEntries: Object.entries(billingTopicConfigs).map(([configName, value]) => ({
            name: configName,
            value,
          })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  return {
    name,
    async delete() {
      const cleanup = kafka.admin();
      await cleanup.connect();
      try {
        await cleanup.deleteTopics({ topics: [name], timeout: 30_000 });
      } finally {
        await cleanup.disconnect();
      }
    },
  };
}

/** Reads every record of `topic` from the beginning until `expectedCount` values are seen. */
export async function readAllValues(
  kafka: Kafka,
  topic: string,
  expectedCount: number,
  options: { timeoutMs?: number; maxBytesPerPartition?: number } = {},
): Promise<Buffer[]> {
  const consumer = kafka.consumer({
    groupId: `it-reader-${randomUUID()}`,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxBytes: Math.max(10_485_760, (options.maxBytesPerPartition ?? 0) * 2),
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  const values: Buffer[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) values.push(message.value);
      },
    });
    await waitFor(
      `${expectedCount} records on ${topic} (have ${values.length})`,
      async () => (values.length >= expectedCount ? true : undefined),
      options.timeoutMs ?? 60_000,
      200,
    );
  } finally {
    await consumer.disconnect();
  }
  return values;
}

export { localKafka };
