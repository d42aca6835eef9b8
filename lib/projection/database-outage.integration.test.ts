import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { Pool } from 'pg';
import { freePort } from '../../local/stack/free-port';
import { stateDir } from '../../local/stack/paths';
import { type PostgresCluster, postgresCluster } from '../../local/stack/postgres';
import { bootstrapBrokers } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { migrateDatabase } from '../database';
import { createTestDatabase } from './testing/database';
import { eventFactory } from './testing/events';
import { lambdaContext, MskHarness, mskEventsOf } from './testing/msk-harness';
import { loadProjectors, ourRecords, type Projectors, project } from './testing/projection-run';
import { invariantViolations, NO_VIOLATIONS, readModelOf } from './testing/read-model';

// A private PostgreSQL cluster, stopped for real mid-run (the shared one stays up for others).

describe('projection with the database stopped mid-run', () => {
  let harness: MskHarness;
  let cluster: PostgresCluster;
  let pool: Pool;
  let projectors: Projectors;
  let closeResources: () => Promise<void>;

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('database-outage');
    cluster = postgresCluster({
      dir: join(stateDir, `it-postgres-${randomUUID().slice(0, 8)}`),
      port: await freePort(),
    });
    await cluster.start(() => undefined);
    await migrateDatabase(cluster.url);
    pool = new Pool({ connectionString: cluster.url, max: 2 });
    pool.on('error', () => undefined);
    process.env.DATABASE_URL = cluster.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    projectors = await loadProjectors({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
    });
    closeResources = (await import('./resources')).closeHandlerResources;
  });

  afterAll(async () => {
    await closeResources?.();
    await pool?.end().catch(() => undefined);
    await harness?.stop();
    await cluster?.stop().catch(() => undefined);
    if (cluster) rmSync(cluster.dir, { recursive: true, force: true });
  });

  const markerCount = async () =>
    (
      await pool.query(
        `SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'transaction-projector'`,
      )
    ).rows[0]?.n as number;
  const transactionCount = async () =>
    (await pool.query('SELECT count(*)::int AS n FROM transactions')).rows[0]?.n as number;

  it('fails the invocations, half-applies nothing, and applies the redelivered batches exactly once', async () => {
    // Prepare: 12 accounts, 240 movements, in MSK events of 10 records per partition
    const events = eventFactory();
    const accounts = Array.from({ length: 12 }, () => randomUUID());
    const keys = new Set<string>(accounts);
    const starts = await harness.endOffsets(Object.values(TopicName));
    await harness.append(accounts.map((account) => events.opened(account)));
    await harness.append(
      Array.from({ length: 240 }, (_, index) => {
        const account = accounts[index % accounts.length] as string;
        return index % 3 === 2 ? events.withdrawal(account, 700 + index) : events.topup(account, 500 + index);
      }),
    );
    const records = await ourRecords(
      harness,
      starts,
      await harness.endOffsets(Object.values(TopicName)),
      keys,
    );
    await project(projectors, { account: records.account, transaction: [] });
    const batches = mskEventsOf(records.transaction, 10);
    const invoke = (event: MSKEvent) => projectors.transaction(event, lambdaContext('transaction-projector'));
    const half = Math.floor(batches.length / 2);

    // Act 1: half the batches while the database is up
    for (const event of batches.slice(0, half)) await invoke(event);
    const beforeOutage = await readModelOf(pool, accounts);

    // Act 2: the database stops while a batch is in flight; every later invocation fails
    const inFlight = invoke(batches[half] as MSKEvent).then(
      () => 'committed',
      () => 'failed',
    );
    await cluster.stop();
    const raced = await inFlight;
    const outcomes = await Promise.allSettled(batches.slice(half + 1).map((event) => invoke(event)));

    // Assess: failures are thrown, not dead-lettered
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(
      /ProjectionBatchError: \d+ partition batch\(es\) failed: .*ECONNREFUSED/,
    );

    // Act 3: the database is back: nothing was half-applied
    await cluster.start(() => undefined);
    expect(await transactionCount()).toBe(await markerCount());
    expect(await invariantViolations(pool)).toEqual(NO_VIOLATIONS);
    // Each partition batch of the invocation in flight committed whole or not at all.
    const inFlightPartitions = Object.values((batches[half] as MSKEvent).records).map((partitionRecords) =>
      partitionRecords.map(
        (record) =>
          (JSON.parse(Buffer.from(record.value, 'base64').toString()) as { eventId: string }).eventId,
      ),
    );
    for (const eventIds of inFlightPartitions) {
      const marked = (
        await pool.query('SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY($1::uuid[])', [
          eventIds,
        ])
      ).rows[0]?.n;
      expect([0, eventIds.length]).toContain(marked);
    }
    if (raced === 'committed') expect(await readModelOf(pool, accounts)).not.toEqual(beforeOutage);

    // Act 4: every batch is redelivered (the first half again too)
    for (const event of batches) await invoke(event);

    // Assess: exactly once, the same as a run without outage
    expect(await transactionCount()).toBe(records.transaction.length);
    expect(await markerCount()).toBe(records.transaction.length);
    expect(await invariantViolations(pool)).toEqual(NO_VIOLATIONS);
    const reference = await createTestDatabase();
    try {
      process.env.DATABASE_URL = reference.url;
      await project(projectors, records, 10);
      const expected = await readModelOf(reference.pool, accounts);
      const actual = await readModelOf(pool, accounts);
      expect(actual.accounts).toEqual(expected.accounts);
      expect(actual.transactions).toEqual(expected.transactions);
      expect(actual.entries).toEqual(expected.entries);
    } finally {
      process.env.DATABASE_URL = cluster.url;
      await reference.drop();
    }
  });
});
