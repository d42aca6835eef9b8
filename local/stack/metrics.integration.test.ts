import type { Producer } from 'kafkajs';
import { createTestTopic, localKafka, type TestTopic, waitFor, waitForAllBrokers } from './testing';
import { kafkaNodeById } from './topology';

/** The brokers expose Prometheus metrics through the JMX exporter agent, as in compose. */
const kafka = localKafka('it-metrics');
const admin = kafka.admin();
let topic: TestTopic;
let producer: Producer;
const node = kafkaNodeById(1);

/** Scrapes one broker and returns the all-topics messages-in counter. */
async function messagesIn(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  const line = text
    .split('\n')
    .find((entry) => entry.startsWith('kafka_server_brokertopicmetrics_messagesin_total '));
  if (!line) throw new Error('kafka_server_brokertopicmetrics_messagesin_total not exported');
  return Number(line.split(' ')[1]);
}

beforeAll(async () => {
  await waitForAllBrokers();
  await admin.connect();
  topic = await createTestTopic(kafka, 'metrics', {
    replicaAssignment: [{ partition: 0, replicas: [node.nodeId, 2, 3] }],
  });
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await topic.delete();
  await admin.disconnect();
});

describe('broker metrics', () => {
  it('exports kafka_server_brokertopicmetrics_messagesin_total, and it rises when messages come in', async () => {
    // Prepare: partition 0 is led by node 1, whose metrics we scrape
    const metadata = await admin.fetchTopicMetadata({ topics: [topic.name] });
    expect(metadata.topics[0]?.partitions[0]?.leader).toBe(node.nodeId);
    const before = await messagesIn();

    // Act
    await producer.send({
      topic: topic.name,
      acks: -1,
      messages: Array.from({ length: 25 }, (_, index) => ({ partition: 0, value: `metric-${index}` })),
    });

    // Assess
    const after = await waitFor('the messages-in counter to rise by 25', async () => {
      const value = await messagesIn();
      return value >= before + 25 ? value : undefined;
    });
    expect(after - before).toBeGreaterThanOrEqual(25);
  });
});
