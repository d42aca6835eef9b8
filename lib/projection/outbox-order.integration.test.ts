import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Admin } from 'kafkajs';
import { Pool, type PoolClient } from 'pg';
import { bootstrapBrokers } from '../../local/stack/topology';
import { type BillingEvent, TopicName } from '../../schemas';
import { connectedAdmin, endOffsets } from '../kafka/testing/cluster';
import { RunTopics } from '../kafka/testing/run-topics';
import { buildMskEvent, decodeBillingMskEvent } from '../msk';
import { derivedOutboxMessageOf, type EventPublisher, type OutboxMessage, unpublishedOf } from '../outbox';
import { ProjectionEnvVariable } from './constants';
import { closeHandlerResources, outboxPublisher } from './resources';
import { projectPartition } from './runner';
import { createTestDatabase, type TestDatabase } from './testing/database';
import { eventFactory } from './testing/events';
import { LOCAL_CLUSTER_ARN } from './testing/msk-harness';
import type { TopicProjector } from './types';

/*
 * Two transactions writing outbox rows of one source partition at once (a partition's Lambda and
 * a dead-letter re-application through the same runner), on the real database and cluster. The
 * first commits last and its publish fails, as if its process died right after commit: its row
 * must still be published, by the second, and never be covered by "published through". The
 * publisher writes to the run's own copy of the topic (RunTopics, BILLING_TOPIC_PREFIX).
 */

const logger = new Logger({ serviceName: 'outbox-order-test', logLevel: 'ERROR' });
const PRODUCER = 'outbox-order-test';
const PARTITION = 3;

/** Emits one event per record it is given (a status change of the record's account). */
const emittingProjector: TopicProjector = {
  name: PRODUCER,
  topic: TopicName.accountEvents,
  async project(_db, records) {
    const factory = eventFactory();
    const outbox: OutboxMessage[] = records.map((record) =>
      derivedOutboxMessageOf(factory.statusChanged(record.event.aggregateId, 'active', 'suspended'), {
        topic: record.origin.topic,
        partition: record.origin.partition,
      }),
    );
    return { outbox, deferred: [], counts: {} };
  },
};

/** One record of the source partition, decoded as its handler receives it. */
function batchOf(offset: number) {
  const event = eventFactory().opened(randomUUID());
  const decoded = decodeBillingMskEvent(
    buildMskEvent({
      eventSourceArn: LOCAL_CLUSTER_ARN,
      bootstrapServers: bootstrapBrokers,
      records: [
        {
          topic: TopicName.accountEvents,
          partition: PARTITION,
          offset: String(offset),
          timestamp: Date.now(),
          key: Buffer.from(event.aggregateId),
          value: Buffer.from(JSON.stringify(event)),
          headers: [],
        },
      ],
    }),
  );
  const batch = decoded.partitions[0];
  if (!batch) throw new Error('no batch');
  return batch;
}

/** A pool whose clients hold their COMMIT until `release` is called: a slow transaction. */
function poolHoldingCommit(pool: Pool) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => undefined;
  const atCommit = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const holding = {
    async connect(): Promise<PoolClient> {
      const client = await pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args) => {
        if (args[0] === 'COMMIT') {
          reached();
          await released;
        }
        return query(...args);
      };
      return client;
    },
  } as unknown as Pool;
  return { pool: holding, atCommit, release };
}

describe('outbox rows of one source partition written by two transactions at once', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Admin;
  let topics: RunTopics;

  beforeAll(async () => {
    admin = await connectedAdmin();
    topics = await RunTopics.create(admin, 'outbox-order');
    db = await createTestDatabase('billing_outbox_order');
    pool = new Pool({ connectionString: db.url, max: 6 });
  });

  afterAll(async () => {
    await closeHandlerResources();
    await pool?.end();
    await db?.drop();
    await topics?.delete(admin).catch(() => undefined);
    await admin?.disconnect();
  });

  it('publishes the slower transaction’s row even when its own publish fails after commit', async () => {
    // Prepare: a real publisher that remembers what it published, and one that fails (a crash)
    const real = outboxPublisher(
      {
        ...process.env,
        KAFKA_BROKERS: bootstrapBrokers.join(','),
        [ProjectionEnvVariable.topicPrefix]: topics.prefix,
      },
      logger,
    );
    const published: string[] = [];
    const recording: EventPublisher = {
      async publish(events: readonly BillingEvent[]) {
        await real.publish(events);
        published.push(...events.map((event) => event.eventId));
      },
      async publishMessages(messages: readonly OutboxMessage[]) {
        await real.publish(messages.map((message) => message.event));
        published.push(...messages.map((message) => message.eventId));
      },
    };
    const crashing: EventPublisher = {
      async publish() {
        throw new Error('process died after commit');
      },
    };
    const slow = poolHoldingCommit(pool);
    const context = { now: new Date().toISOString(), logger };

    // Act: the first transaction writes its row and waits before COMMIT; the second runs meanwhile
    const first = projectPartition(
      batchOf(0),
      { pool: slow.pool, publisher: crashing, projector: emittingProjector },
      context,
    ).then(
      () => 'published',
      (error: Error) => String(error.cause ?? error),
    );
    await slow.atCommit;
    let secondDone = false;
    const second = projectPartition(
      batchOf(1),
      { pool, publisher: recording, projector: emittingProjector },
      context,
    ).finally(() => {
      secondDone = true;
    });
    // The second either waits for the first's lock, or (without one) runs to its end.
    for (let waited = 0; waited < 10_000 && !secondDone; waited += 100) {
      const { rows } = await pool.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
      );
      if ((rows[0]?.waiting ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    slow.release();
    const firstOutcome = await first;
    await second;

    // Assess: both rows published (the first's by the second), nothing left behind or hidden
    const rows = await pool.query<{ event_id: string; position: string }>(
      'SELECT event_id, position FROM outbox WHERE producer = $1 ORDER BY position',
      [PRODUCER],
    );
    expect(firstOutcome).toContain('Cannot publish 1 outbox event');
    expect(rows.rows).toHaveLength(2);
    expect(published).toEqual(rows.rows.map((row) => row.event_id));
    expect(
      await unpublishedOf(pool, PRODUCER, { topic: TopicName.accountEvents, partition: PARTITION }),
    ).toEqual([]);
    const onRunTopic = await endOffsets(admin, topics.physical(TopicName.accountEvents));
    expect([...onRunTopic.values()].reduce((sum, end) => sum + Number(end), 0)).toBe(2);
  });
});
