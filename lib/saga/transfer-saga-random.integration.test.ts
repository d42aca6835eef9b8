import { randomUUID } from 'node:crypto';
import { bootstrapBrokers, localDatabaseUrl } from '../../local/stack/topology';
import type { BillingEvent } from '../../schemas';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import { MskHarness } from '../projection/testing/msk-harness';
import { invariantViolations, NO_VIOLATIONS } from '../projection/testing/read-model';
import { PENDING_TRANSFERS_SQL } from './queries';
import {
  driveUntilQuiescent,
  loadSagaHandlers,
  moneyCheck,
  SAGA_TOPICS,
  type SagaHandlers,
  transferRequested,
  transferStatusCounts,
} from './testing/saga-run';
import { TopicTail } from './testing/topic-tail';

jest.setTimeout(180_000);

/** A small seeded generator (mulberry32): a failing run can be replayed from its logged seed. */
const seeded = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const ACCOUNTS = 300;
const CLOSED = 5;
const WAVES = 4;
const TRANSFERS_PER_WAVE = 550;
const MOVEMENTS_PER_WAVE = 150;

describe('transfer saga, randomized run on the real cluster and database', () => {
  let harness: MskHarness;
  let tail: TopicTail;
  let db: TestDatabase;
  let handlers: SagaHandlers;
  let closeResources: () => Promise<void>;

  beforeAll(async () => {
    const serverUrl = process.env.DATABASE_URL ?? localDatabaseUrl;
    harness = await MskHarness.startOnRunTopics('saga-random');
    tail = await TopicTail.start(harness, SAGA_TOPICS);
    db = await createTestDatabase('billing_saga_random', serverUrl);
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    handlers = await loadSagaHandlers({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
      saga: () => import('../../functions/transfer-saga'),
    });
    closeResources = (await import('../projection/resources')).closeHandlerResources;
  });

  afterAll(async () => {
    await closeResources?.();
    await tail?.stop();
    await harness?.stop();
    await db?.drop();
  });

  it('conserves money at every quiescent point and leaves no transfer pending', async () => {
    // Prepare
    const seed = Number(process.env.SAGA_RANDOM_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const amount = (max: number) => 1 + Math.floor(random() * max);
    const events = eventFactory();
    const accounts: string[] = Array.from({ length: ACCOUNTS }, () => randomUUID());
    const closed = accounts.slice(0, CLOSED);
    tail.follow(accounts);
    await harness.append([
      ...accounts.map((account) => events.opened(account)),
      ...closed.map((account) => events.statusChanged(account, 'active', 'closed')),
      ...accounts.slice(CLOSED).map((account) => events.topup(account, amount(50_000))),
    ]);
    await driveUntilQuiescent(tail, handlers, db.pool, { batchSize: 500 });
    const transferIds: string[] = [];
    const checks: { wave: number; round: number; conserved: boolean }[] = [];
    const conserved = async () => {
      const money = await moneyCheck(db.pool);
      return money.balancesPlusInFlight === money.topupsMinusWithdrawals;
    };

    // Act: waves of transfers (some to closed accounts, some too large) with topups and withdrawals.
    for (let wave = 1; wave <= WAVES; wave++) {
      const batch: BillingEvent[] = [];
      for (let index = 0; index < TRANSFERS_PER_WAVE; index++) {
        const from = pick(accounts.slice(CLOSED));
        let to = random() < 0.03 ? pick(closed) : pick(accounts);
        if (to === from) to = accounts[(accounts.indexOf(from) + 1) % ACCOUNTS] as string;
        const transfer = transferRequested(from, to, amount(random() < 0.1 ? 100_000 : 5_000));
        transferIds.push(transfer.aggregateId);
        batch.push(transfer);
      }
      for (let index = 0; index < MOVEMENTS_PER_WAVE; index++) {
        const account = pick(accounts.slice(CLOSED));
        batch.push(
          random() < 0.5 ? events.topup(account, amount(10_000)) : events.withdrawal(account, amount(10_000)),
        );
      }
      batch.sort(() => random() - 0.5);
      tail.follow(transferIds);
      await harness.append(batch);
      await driveUntilQuiescent(tail, handlers, db.pool, {
        batchSize: 500,
        afterRound: async (round) => {
          checks.push({ wave, round, conserved: await conserved() });
        },
      });
      checks.push({ wave, round: 0, conserved: await conserved() });
      expect({ wave, pending: (await db.pool.query(PENDING_TRANSFERS_SQL)).rows }).toEqual({
        wave,
        pending: [],
      });
    }

    // Assess
    const statuses = await transferStatusCounts(db.pool);
    const money = await moneyCheck(db.pool);
    const outcomes = await db.pool.query(
      `SELECT reason, compensated, count(*)::int AS n FROM transfers WHERE status = 'failed' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const perTransfer = await db.pool.query(
      `SELECT count(*)::int AS transfers FROM transfers
        WHERE (status = 'completed') = EXISTS (SELECT 1 FROM transactions x
                 WHERE x.transfer_id = transfers.transfer_id AND x.kind = 'transfer_credit' AND x.status = 'applied')`,
    );
    expect({ seed, failedChecks: checks.filter((check) => !check.conserved) }).toEqual({
      seed,
      failedChecks: [],
    });
    expect(checks.length).toBeGreaterThan(WAVES * 3);
    expect(Object.keys(statuses).sort()).toEqual(['completed', 'failed']);
    expect((statuses.completed ?? 0) + (statuses.failed ?? 0)).toBe(WAVES * TRANSFERS_PER_WAVE);
    expect(transferIds).toHaveLength(WAVES * TRANSFERS_PER_WAVE);
    expect(money.inFlight).toBe(0n);
    expect(money.balancesPlusInFlight).toBe(money.topupsMinusWithdrawals);
    expect(perTransfer.rows[0]).toEqual({ transfers: WAVES * TRANSFERS_PER_WAVE });
    // Both failure paths were exercised: rejected debits and compensated credits.
    expect(outcomes.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'insufficient_funds', compensated: false }),
        expect.objectContaining({ reason: 'account_closed', compensated: true }),
      ]),
    );
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
  });
});
