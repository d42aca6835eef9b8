import { randomBytes } from 'node:crypto';
import { CompressionTypes, type Producer } from 'kafkajs';
import { MAX_MESSAGE_BYTES } from '../../lib/kafka/topic-specs';
import { createTestTopic, localKafka, readAllValues, type TestTopic, waitForAllBrokers } from './testing';

/** The brokers accept records up to 10 MB (message.max.bytes and the topic's max.message.bytes). */
const kafka = localKafka('it-message-size');
let topic: TestTopic;
let producer: Producer;

beforeAll(async () => {
  await waitForAllBrokers();
  topic = await createTestTopic(kafka, 'message-size', { partitions: 1 });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await topic.delete();
});

describe('message size limits on the brokers', () => {
  it('round-trips a 9 MB message', async () => {
    // Prepare: random bytes do not compress, so the record really is 9 MB on the wire
    const value = randomBytes(9 * 1024 * 1024);

    // Act
    await producer.send({
      topic: topic.name,
      acks: -1,
      compression: CompressionTypes.None,
      messages: [{ key: 'nine-mb', value }],
    });
    const [read] = await readAllValues(kafka, topic.name, 1, { maxBytesPerPartition: 2 * MAX_MESSAGE_BYTES });

    // Assess
    expect(read?.length).toBe(value.length);
    expect(read?.equals(value)).toBe(true);
  });

  it('refuses an incompressible 11 MB message with a clear error', async () => {
    // Prepare
    const value = randomBytes(11 * 1024 * 1024);

    // Act
    const outcome = await producer
      .send({
        topic: topic.name,
        acks: -1,
        compression: CompressionTypes.None,
        messages: [{ key: 'eleven-mb', value }],
      })
      .then(
        () => 'acknowledged',
        (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
      );

    // Assess
    expect(outcome).toMatch(/larger than the max message size the server will accept/);
  });
});
