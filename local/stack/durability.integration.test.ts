import type { Producer, RecordMetadata } from 'kafkajs';
import { kafkaNodeRunning, startKafkaNode, stopKafkaNode } from './stack';
import {
  createTestTopic,
  localKafka,
  readAllValues,
  type TestTopic,
  waitForAllBrokers,
  waitForFullIsr,
} from './testing';

/**
 * acks=all with replication factor 3 and min.insync.replicas=2: one broker down is tolerated,
 * two down make producing fail loudly, and nothing acknowledged is ever lost.
 */
const kafka = localKafka('it-durability');
const admin = kafka.admin();
let topic: TestTopic;
let producer: Producer;
const acknowledged: string[] = [];

/** The messages of all error causes, for asserting on what a failure says. */
function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(`${current.name}: ${current.message}`);
    const next = (current as Error & { originalError?: unknown }).originalError ?? current.cause;
    current = next;
  }
  return parts.join(' <- ');
}

async function produceBatch(label: string, count: number): Promise<RecordMetadata[]> {
  const values = Array.from({ length: count }, (_, index) => `${label}-${index}`);
  const result = await producer.send({
    topic: topic.name,
    acks: -1,
    timeout: 5_000,
    messages: values.map((value) => ({ key: value, value })),
  });
  acknowledged.push(...values);
  return result;
}

beforeAll(async () => {
  await waitForAllBrokers();
  await admin.connect();
  topic = await createTestTopic(kafka, 'durability', { partitions: 6 });
  producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 2, initialRetryTime: 300 },
  });
  await producer.connect();
});

afterAll(async () => {
  // Whatever happened, leave the cluster whole for the next tests.
  for (const nodeId of [2, 3]) {
    if (!kafkaNodeRunning(nodeId)) await startKafkaNode(nodeId);
  }
  await waitForAllBrokers();
  await producer.disconnect().catch(() => undefined);
  await waitForFullIsr(admin, [topic.name]).catch(() => undefined);
  await topic.delete().catch(() => undefined);
  await admin.disconnect();
});

describe('durability of acknowledged messages (acks=all, RF 3, min.insync.replicas=2)', () => {
  it('consumes back a message produced with acks=all', async () => {
    // Act
    const metadata = await produceBatch('all-up', 30);

    // Assess
    expect(metadata.every((entry) => entry.errorCode === 0)).toBe(true);
    const values = await readAllValues(kafka, topic.name, acknowledged.length);
    expect(values.map(String).sort()).toEqual([...acknowledged].sort());
  });

  it('still produces with one broker stopped, and every acknowledged message stays readable', async () => {
    // Prepare
    await stopKafkaNode(2);
    expect(kafkaNodeRunning(2)).toBe(false);

    // Act
    await produceBatch('one-down', 30);

    // Assess
    const values = await readAllValues(kafka, topic.name, acknowledged.length);
    expect(values.map(String).sort()).toEqual([...acknowledged].sort());
  });

  it('fails loudly with two brokers stopped: not enough replicas, never a silent success', async () => {
    // Prepare
    await stopKafkaNode(3);
    const before = acknowledged.length;

    // Act
    const outcome = await produceBatch('two-down', 5).then(
      () => 'acknowledged',
      (error: unknown) => describeFailure(error),
    );

    // Assess
    expect(outcome).not.toBe('acknowledged');
    expect(outcome).toMatch(/fewer in-sync replicas than required|NOT_ENOUGH_REPLICAS|timed out/i);
    expect(acknowledged.length).toBe(before);
  });

  it('after the brokers come back, every acknowledged message is readable', async () => {
    // Prepare
    await startKafkaNode(2);
    await startKafkaNode(3);
    await waitForAllBrokers();
    await waitForFullIsr(admin, [topic.name]);

    // Act
    await produceBatch('all-back', 10);
    const values = await readAllValues(kafka, topic.name, acknowledged.length);

    // Assess
    const read = new Set(values.map(String));
    expect(acknowledged.filter((value) => !read.has(value))).toEqual([]);
    expect(acknowledged).toHaveLength(70);
  });
});
