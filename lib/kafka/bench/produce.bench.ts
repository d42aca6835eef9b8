/**
 * Produce throughput: events/s appended through KafkaEventStore (validation, size checks, headers,
 * append-many) against a raw kafkajs producer with the same settings (idempotent, acks=all, lz4)
 * and the same events, in one process, on a dedicated topic created and deleted here.
 *
 *   npx tsx lib/kafka/bench/produce.bench.ts [eventsPerRound=20000] [batchSize=500] [rounds=4]
 */
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import {
  type BillingEvent,
  headersOf,
  partitionKeyOf,
  TopicName,
  TransactionEventType,
} from '../../../schemas';
import { createKafkaProducer, KafkaEventStore } from '../index';
import { createTestTopic, localClient, localConnection } from '../testing/cluster';

const [eventsPerRound = 20_000, batchSize = 500, rounds = 4] = process.argv.slice(2).map(Number);

/** Realistic transaction events: topups, withdrawals and refunds over 2,000 accounts. */
function makeEvents(count: number): BillingEvent[] {
  const accounts = Array.from({ length: 2_000 }, () => randomUUID());
  const correlationId = randomUUID();
  return Array.from({ length: count }, (_, index) => {
    const eventId = randomUUID();
    const transactionId = randomUUID();
    const accountId = accounts[index % accounts.length] ?? randomUUID();
    const amount = { minorUnits: String(100 + ((index * 7919) % 500_000)), currency: 'EUR' as const };
    const envelope = {
      eventId,
      schemaVersion: 1,
      aggregateId: transactionId,
      occurredAt: new Date(Date.UTC(2025, 10, 27, 9, 0, 0, index)).toISOString(),
      correlationId,
      causationId: eventId,
    };
    switch (index % 3) {
      case 0:
        return {
          ...envelope,
          eventType: TransactionEventType.topupRequested,
          payload: {
            transactionId,
            accountId,
            amount,
            reference: `Card top-up ••${String(index).padStart(4, '0')}`,
          },
        };
      case 1:
        return {
          ...envelope,
          eventType: TransactionEventType.withdrawalRequested,
          payload: { transactionId, accountId, amount },
        };
      default:
        return {
          ...envelope,
          eventType: TransactionEventType.refundRequested,
          payload: {
            transactionId,
            accountId,
            amount,
            originalTransactionId: randomUUID(),
            reason: 'Duplicate charge',
          },
        };
    }
  });
}

/** What a hand-written kafkajs producer sends for events: JSON value, partition key, headers. */
const rawMessages = (events: readonly BillingEvent[]) =>
  events.map((event) => ({
    key: partitionKeyOf(event),
    value: JSON.stringify(event),
    headers: headersOf(event),
  }));

const batchesOf = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

async function timed(label: string, batches: number, run: (batch: number) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let batch = 0; batch < batches; batch++) {
    await run(batch);
    if ((batch + 1) % Math.max(1, Math.floor(batches / 4)) === 0) {
      process.stdout.write(`  ${label}: ${batch + 1}/${batches} batches\n`);
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const client = await localClient();
  const admin = client.admin();
  await admin.connect();
  const topic = await createTestTopic(admin, 'bench.produce', 10);
  console.log(
    `topic ${topic} (10 partitions, RF 3, lz4); ${rounds} rounds of ${eventsPerRound} events, batches of ${batchSize}`,
  );

  const raw: Producer = client.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const store = new KafkaEventStore({
    producer: createKafkaProducer(await localConnection()),
    topicAliases: { [TopicName.transactionEvents]: topic },
  });
  const results = { raw: [] as number[], store: [] as number[] };
  try {
    await raw.connect();
    await store.connect();
    // Warm-up: connections, metadata, producer ids and JIT, on both paths.
    const warmUp = makeEvents(2 * batchSize);
    await store.appendMany(warmUp.slice(0, batchSize));
    await raw.send({
      topic,
      acks: -1,
      compression: CompressionTypes.LZ4,
      messages: rawMessages(warmUp.slice(batchSize)),
    });

    for (let round = 1; round <= rounds; round++) {
      const rawBatches = batchesOf(makeEvents(eventsPerRound), batchSize);
      const storeBatches = batchesOf(makeEvents(eventsPerRound), batchSize);
      console.log(`round ${round}/${rounds}`);
      const runRaw = async () => {
        // The raw path serializes too, as a hand-written producer would; it skips validation.
        const seconds = await timed('raw kafkajs', rawBatches.length, async (batch) => {
          await raw.send({
            topic,
            acks: -1,
            compression: CompressionTypes.LZ4,
            messages: rawMessages(rawBatches[batch] ?? []),
          });
        });
        results.raw.push(eventsPerRound / seconds);
        return seconds;
      };
      const runStore = async () => {
        const seconds = await timed('event store', storeBatches.length, async (batch) => {
          const result = await store.appendMany(storeBatches[batch] ?? []);
          if (!result.ok) throw new Error(result.rejection.message);
        });
        results.store.push(eventsPerRound / seconds);
        return seconds;
      };
      // Alternate which path goes first, so that drift in the cluster does not favour one.
      let rawSeconds: number;
      let storeSeconds: number;
      if (round % 2 === 1) {
        rawSeconds = await runRaw();
        storeSeconds = await runStore();
      } else {
        storeSeconds = await runStore();
        rawSeconds = await runRaw();
      }
      console.log(
        `  raw ${Math.round(eventsPerRound / rawSeconds)} events/s, store ${Math.round(eventsPerRound / storeSeconds)} events/s`,
      );
    }
  } finally {
    await raw.disconnect();
    await store.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const rawRate = mean(results.raw);
  const storeRate = mean(results.store);
  console.log(`raw kafkajs producer: ${Math.round(rawRate)} events/s`);
  console.log(`KafkaEventStore:      ${Math.round(storeRate)} events/s`);
  console.log(`ratio store/raw:      ${(storeRate / rawRate).toFixed(3)} (target >= 0.8)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
