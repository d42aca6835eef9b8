import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { bootstrapBrokers } from '../../local/stack/topology';
import { type BillingEvent, TopicName, TransactionEventType, topicOfEventType } from '../../schemas';
import { decodeBillingMskEvent } from '../msk';
import { buildMskEvent } from '../msk/build';
import { BYTES_PER_MB, createKafkaProducer, KafkaEventStore } from './index';
import { consumeFrom, endOffsets, localClient, localConnection } from './testing/cluster';
import { RunTopics } from './testing/run-topics';
import { deadLetterOfSize, sampleEvents, sampleIds } from './testing/sample-events';

const correlationOf = (value: Buffer | null): string | undefined => {
  try {
    return (JSON.parse(value?.toString('utf8') ?? '') as { correlationId?: string }).correlationId;
  } catch {
    return undefined;
  }
};

// The store writes to the run's own copy of each billing topic (its topicAliases, RunTopics): the
// billing topics `npm start` consumes are left alone (docs/testing.md: Topics).
describe('KafkaEventStore against the local cluster', () => {
  let client: Kafka;
  let admin: Admin;
  let topics: RunTopics;
  let store: KafkaEventStore;

  beforeAll(async () => {
    client = await localClient();
    admin = client.admin();
    await admin.connect();
    topics = await RunTopics.create(admin, 'event-store');
    store = new KafkaEventStore({
      producer: createKafkaProducer(await localConnection()),
      topicAliases: topics.aliases(),
    });
    await store.connect();
  });

  afterAll(async () => {
    await store?.disconnect();
    await topics?.delete(admin);
    await admin?.disconnect();
  });

  /** The end offsets of the run's copy of each billing topic. */
  const offsetsOfBillingTopics = async () =>
    new Map(
      await Promise.all(
        Object.values(TopicName).map(
          async (topic) => [topics.physical(topic), await endOffsets(admin, topics.physical(topic))] as const,
        ),
      ),
    );

  it('round-trips every event type: append, consume, wrap as MSK event, decode', async () => {
    // Prepare
    const ids = sampleIds();
    const events = sampleEvents(ids);
    const starts = await offsetsOfBillingTopics();

    // Act
    const result = await store.appendMany(events);
    const consumed = await consumeFrom(
      client,
      starts,
      (records) =>
        records.filter((record) => correlationOf(record.value) === ids.correlationId).length >= events.length,
    );
    const written = consumed.filter((record) => correlationOf(record.value) === ids.correlationId);
    // As the trigger of a billing topic would deliver them: under the billing topic's name.
    const ours = written.map((record) => ({ ...record, topic: topics.contract(record.topic) }));
    const mskEvent = buildMskEvent({
      eventSourceArn:
        'arn:aws:kafka:eu-west-1:123456789012:cluster/local/00000000-0000-0000-0000-000000000000-1',
      bootstrapServers: bootstrapBrokers,
      records: ours,
    });
    const decoded = decodeBillingMskEvent(JSON.parse(JSON.stringify(mskEvent)));

    // Assess
    expect(result.ok).toBe(true);
    expect(written.every((record) => record.topic.startsWith(topics.prefix))).toBe(true);
    const records = decoded.partitions.flatMap((batch) => batch.records);
    expect(records).toHaveLength(events.length);
    const byId = new Map(events.map((event) => [event.eventId, event]));
    for (const record of records) {
      if (!record.ok) throw new Error(`${record.origin.offset}: ${record.failure.message}`);
      const sent = byId.get(record.event.eventId);
      expect(record.event).toEqual(sent);
      expect(record.origin.topic).toBe(topicOfEventType(record.event.eventType));
      expect(record.headers).toEqual({
        'event-type': record.event.eventType,
        'schema-version': '1',
        'correlation-id': ids.correlationId,
        'content-type': 'application/json',
      });
    }
    expect(new Set(records.map((record) => (record.ok ? record.event.eventType : '')))).toEqual(
      new Set(events.map((event) => event.eventType)),
    );
  });

  it('keeps the order of each account across partitions', async () => {
    // Prepare
    const correlationId = randomUUID();
    const accounts = Array.from({ length: 8 }, () => randomUUID());
    const topup = (accountId: string, sequence: number): BillingEvent => {
      const eventId = randomUUID();
      const transactionId = randomUUID();
      return {
        eventId,
        eventType: TransactionEventType.topupRequested,
        schemaVersion: 1,
        aggregateId: transactionId,
        occurredAt: new Date(Date.UTC(2025, 10, 27, 9, 0, sequence)).toISOString(),
        correlationId,
        causationId: eventId,
        payload: {
          transactionId,
          accountId,
          amount: { minorUnits: String(100 + sequence), currency: 'EUR' },
        },
      };
    };
    const rounds = Array.from({ length: 5 }, (_, round) =>
      accounts.flatMap((accountId) => [0, 1, 2, 3].map((step) => topup(accountId, round * 4 + step))),
    );
    const transactionTopic = topics.physical(TopicName.transactionEvents);
    const starts = new Map([[transactionTopic, await endOffsets(admin, transactionTopic)]]);
    const total = rounds.flat().length;

    // Act
    for (const round of rounds) expect((await store.appendMany(round)).ok).toBe(true);
    const consumed = (
      await consumeFrom(
        client,
        starts,
        (records) =>
          records.filter((record) => correlationOf(record.value) === correlationId).length >= total,
      )
    ).filter((record) => correlationOf(record.value) === correlationId);

    // Assess
    const partitionsUsed = new Set(consumed.map((record) => record.partition));
    expect(partitionsUsed.size).toBeGreaterThan(1);
    for (const accountId of accounts) {
      const sent = rounds
        .flat()
        .filter((event) => (event.payload as { accountId?: string }).accountId === accountId);
      const received = consumed
        .filter((record) => record.key?.toString() === accountId)
        .sort((left, right) => Number(left.offset) - Number(right.offset));
      expect(new Set(received.map((record) => record.partition)).size).toBe(1);
      expect(received.map((record) => JSON.parse(record.value?.toString() ?? '').eventId)).toEqual(
        sent.map((event) => event.eventId),
      );
    }
  });

  it('never lets a 15 MB event reach Kafka', async () => {
    // Prepare
    const huge = deadLetterOfSize(15 * BYTES_PER_MB);
    const before = await offsetsOfBillingTopics();

    // Act
    const result = await store.appendMany([sampleEvents()[0] as BillingEvent, huge]);

    // Assess
    expect(result).toMatchObject({
      ok: false,
      rejection: {
        reason: 'event-too-large',
        message: 'Event message size (15.00 MB) exceeds maximum allowed size (10 MB)',
      },
    });
    expect(await offsetsOfBillingTopics()).toEqual(before);
  });

  it('delivers a 2 MB event whole', async () => {
    // Prepare
    const large = deadLetterOfSize(2 * BYTES_PER_MB);
    const letterTopic = topics.physical(TopicName.deadLetter);
    const starts = new Map([[letterTopic, await endOffsets(admin, letterTopic)]]);

    // Act
    const result = await store.append(large);
    const consumed = await consumeFrom(client, starts, (records) =>
      records.some((record) => record.value?.includes(large.eventId)),
    );

    // Assess
    expect(result.ok).toBe(true);
    const record = consumed.find((candidate) => candidate.value?.includes(large.eventId));
    expect(JSON.parse(record?.value?.toString() ?? '')).toEqual(large);
  });
});
