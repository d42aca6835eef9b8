import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { runCommand } from '../../local/stack/run-command';
import { createKafkaProducer, type KafkaProducerPort } from './index';
import { lz4KafkajsCodec } from './lz4-codec';
import { consumeFrom, createTestTopic, endOffsets, localClient, localConnection } from './testing/cluster';

// The pure-JS LZ4 codec against the Java implementation: the brokers must accept what it writes,
// the Java console consumer must read it, and it must read what the Java producer compresses.

const kafkaTool = resolve(__dirname, '../../local/kafka.sh');

describe('LZ4 interoperability with the Java clients', () => {
  let client: Kafka;
  let admin: Admin;
  let producer: KafkaProducerPort;
  let topic: string;

  beforeAll(async () => {
    client = await localClient();
    admin = client.admin();
    await admin.connect();
    topic = await createTestTopic(admin, 'test.lz4-interop', 1);
    producer = createKafkaProducer(await localConnection());
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    if (topic) await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('writes LZ4 batches that the brokers accept and the Java console consumer reads', async () => {
    // Prepare: one small record and one spanning several 64 KB LZ4 blocks, one of them random.
    const runId = randomUUID();
    const lines = [
      `small ${runId} café`,
      `repetitive ${runId} ${'{"eventType":"TopupRequested","minorUnits":"2500"}'.repeat(4000)}`,
      `random ${runId} ${randomBytes(150_000).toString('hex')}`,
    ];
    const start = await endOffsets(admin, topic);
    const compress = jest.spyOn(lz4KafkajsCodec, 'compress');

    // Act
    await producer.send(lines.map((line) => ({ topic, key: runId, value: Buffer.from(line), headers: {} })));
    const result = await runCommand(
      kafkaTool,
      [
        'kafka-console-consumer.sh',
        '--bootstrap-server',
        'localhost:9092,localhost:9093,localhost:9094',
        '--topic',
        topic,
        '--partition',
        '0',
        '--offset',
        start.get(0) ?? '0',
        '--max-messages',
        String(lines.length),
        '--timeout-ms',
        '60000',
      ],
      { timeoutMs: 120_000 },
    );

    // Assess
    expect(compress).toHaveBeenCalled();
    compress.mockRestore();
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual(lines);
  });

  it('reads LZ4 batches that the Java console producer writes', async () => {
    // Prepare
    const runId = randomUUID();
    const lines = [
      `java ${runId} café`,
      `java ${runId} ${'billing '.repeat(30_000)}`,
      `java ${runId} ${randomBytes(100_000).toString('base64')}`,
    ];
    const starts = new Map([[topic, await endOffsets(admin, topic)]]);
    const decompress = jest.spyOn(lz4KafkajsCodec, 'decompress');

    // Act
    const produced = await runCommand(
      kafkaTool,
      [
        'kafka-console-producer.sh',
        '--bootstrap-server',
        'localhost:9092,localhost:9093,localhost:9094',
        '--topic',
        topic,
        '--producer-property',
        'compression.type=lz4',
        '--producer-property',
        'linger.ms=50',
        '--producer-property',
        'acks=all',
      ],
      { timeoutMs: 120_000, input: `${lines.join('\n')}\n` },
    );
    const consumed = await consumeFrom(client, starts, (records) => records.length >= lines.length);

    // Assess
    expect(produced.code).toBe(0);
    expect(consumed.map((record) => record.value?.toString('utf8'))).toEqual(lines);
    // The batches really were LZ4: kafkajs handed them to the pure-JS codec.
    expect(decompress).toHaveBeenCalled();
    decompress.mockRestore();
  });
});
