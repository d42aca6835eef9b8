import { randomUUID } from 'node:crypto';
import { bootstrapBrokers, localDatabaseUrl } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import { invokeAll, MskHarness, mskEventsOf } from '../projection/testing/msk-harness';
import { invariantViolations, NO_VIOLATIONS } from '../projection/testing/read-model';
import { PENDING_TRANSFERS_SQL } from './queries';
import {
  driveUntilQuiescent,
  handleRound,
  loadSagaHandlers,
  moneyCheck,
  ours,
  SAGA_TOPICS,
  type SagaHandlers,
  transferRequested,
  transferStatusCounts,
} from './testing/saga-run';
import { TopicTail } from './testing/topic-tail';

jest.setTimeout(180_000);

const TRANSFERS = 200;

describe('transfer saga after a crash between steps', () => {
  let harness: MskHarness;
  let tail: TopicTail;
  let db: TestDatabase;
  let closeResources: () => Promise<void>;

  /**
   * A restarted handler: every pool and producer of the crashed one is closed, so the next
   * invocation connects afresh, as a new Lambda execution environment would. (The handler modules
   * keep no other state; reloading them would also reload kafkajs under the harness's producer.)
   */
  const restart = async (): Promise<SagaHandlers> => {
    await closeResources?.();
    const handlers = await loadSagaHandlers({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
      saga: () => import('../../functions/transfer-saga'),
    });
    closeResources = (await import('../projection/resources')).closeHandlerResources;
    return handlers;
  };

  beforeAll(async () => {
    const serverUrl = process.env.DATABASE_URL ?? localDatabaseUrl;
    harness = await MskHarness.startOnRunTopics('saga-crash');
    tail = await TopicTail.start(harness, SAGA_TOPICS);
    db = await createTestDatabase('billing_saga_crash', serverUrl);
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
  });

  afterAll(async () => {
    await closeResources?.();
    await tail?.stop();
    await harness?.stop();
    await db?.drop();
  });

  it('leaves no transfer stuck when the saga handler dies before publishing or before committing', async () => {
    // Prepare: accounts with money, then transfers between them.
    let handlers = await restart();
    const events = eventFactory();
    const accounts = Array.from({ length: 20 }, () => randomUUID());
    tail.follow(accounts);
    await harness.append([
      ...accounts.map((account) => events.opened(account)),
      ...accounts.map((account) => events.topup(account, 10_000)),
    ]);
    await driveUntilQuiescent(tail, handlers, db.pool);
    const transfers = Array.from({ length: TRANSFERS }, (_, index) =>
      transferRequested(
        accounts[index % 20] as string,
        accounts[(index + 1 + (index % 7)) % 20] as string,
        100 + index * 10,
      ),
    );
    tail.follow(transfers.map((transfer) => transfer.aggregateId));
    await harness.append(transfers);
    const requests = (await ours(db.pool, await tail.take())).filter(
      (record) => record.topic === TopicName.sagaEvents,
    );
    const firstHalf = requests.slice(0, Math.floor(requests.length / 2));

    // Act 1: the handler commits the first half, then cannot reach Kafka to publish its outbox.
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
    const crashed = invokeAll(handlers.saga, 'transfer-saga', mskEventsOf(firstHalf, 500));
    await expect(crashed).rejects.toThrow();
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    const afterCrash = await transferStatusCounts(db.pool);
    const unpublished = await db.pool.query(
      `SELECT count(*)::int AS n FROM outbox o LEFT JOIN outbox_published p USING (producer, source_topic, source_partition)
        WHERE o.producer = 'transfer-saga' AND o.position > COALESCE(p.position, 0)`,
    );

    // Act 2: restart, the whole batch is redelivered (the committed half again, and the rest).
    handlers = await restart();
    await handleRound(handlers, requests);

    // Act 3: mid-run, the handler loses its database while the debits come back; then it restarts.
    await handleRound(handlers, await ours(db.pool, await tail.take())); // the debit legs are applied
    const debited = await ours(db.pool, await tail.take());
    const sagaRecords = debited.filter((record) => record.topic === TopicName.sagaEvents);
    await handleRound(
      handlers,
      debited.filter((record) => record.topic !== TopicName.sagaEvents),
    );
    const databaseUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `${db.url}_gone`;
    const lostDatabase = invokeAll(handlers.saga, 'transfer-saga', mskEventsOf(sagaRecords, 500));
    await expect(lostDatabase).rejects.toThrow();
    process.env.DATABASE_URL = databaseUrl;
    handlers = await restart();
    await handleRound(handlers, sagaRecords);
    await driveUntilQuiescent(tail, handlers, db.pool);

    // Assess
    // Every transfer had its debit outcome in the crashed batch (duplicates from other consumers aside).
    expect(sagaRecords.length).toBeGreaterThanOrEqual(TRANSFERS);
    expect(afterCrash).toEqual({ debiting: firstHalf.length });
    expect(unpublished.rows[0]).toEqual({ n: firstHalf.length });
    const statuses = await transferStatusCounts(db.pool);
    expect((statuses.completed ?? 0) + (statuses.failed ?? 0)).toBe(TRANSFERS);
    expect((await db.pool.query(PENDING_TRANSFERS_SQL)).rows).toEqual([]);
    const legs = await db.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT (transfer_id, kind))::int AS distinct_legs FROM transactions
        WHERE transfer_id IS NOT NULL`,
    );
    expect(legs.rows[0].n).toBe(legs.rows[0].distinct_legs);
    const money = await moneyCheck(db.pool);
    expect(money.inFlight).toBe(0n);
    expect(money.balancesPlusInFlight).toBe(200_000n);
    expect(money.topupsMinusWithdrawals).toBe(200_000n);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
  });
});
