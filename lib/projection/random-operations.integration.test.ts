import { randomUUID } from 'node:crypto';
import { bootstrapBrokers } from '../../local/stack/topology';
import { type AccountEvent, type Currency, TopicName, type TransactionEvent } from '../../schemas';
import { createTestDatabase, type TestDatabase } from './testing/database';
import { eventFactory } from './testing/events';
import { MskHarness } from './testing/msk-harness';
import {
  loadProjectors,
  ourRecords,
  type Projectors,
  project,
  replayInAppendOrder,
} from './testing/projection-run';
import { invariantViolations, NO_VIOLATIONS, readModelOf } from './testing/read-model';

// Thousands of random operations over many accounts, checked against an independent reference
// model of the rules, then replayed into an empty database.

type Status = 'active' | 'suspended' | 'closed';
interface ModelAccount {
  currency: Currency;
  status: Status;
  balance: bigint;
}
interface Expected {
  status: 'applied' | 'rejected' | 'deferred';
  reason?: string;
}

describe('randomized operations', () => {
  let harness: MskHarness;
  let db: TestDatabase;
  let projectors: Projectors;
  let closeResources: () => Promise<void>;

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('random-operations');
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    projectors = await loadProjectors({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
    });
    closeResources = (await import('./resources')).closeHandlerResources;
  });

  afterAll(async () => {
    await closeResources?.();
    await harness?.stop();
    await db?.drop();
  });

  it('keeps the ledger invariants, matches the rules, and replays identically', async () => {
    // Prepare: a seeded generator, so a failure can be reproduced
    let seed = 20251127;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const events = eventFactory();
    const opened = Array.from({ length: 40 }, () => randomUUID() as string);
    const unknown = Array.from({ length: 5 }, () => randomUUID() as string);
    const keys = new Set([...opened, ...unknown]);
    const model = new Map<string, ModelAccount>();
    const topups = new Map<string, { accountId: string; amount: bigint; refunded: bigint }>();
    const expected = new Map<string, Expected>();
    const starts = await harness.endOffsets(Object.values(TopicName));
    const currencyOf = (index: number): Currency => (index % 4 === 0 ? 'USD' : 'EUR');

    const decide = (
      accountId: string,
      currency: Currency,
      amount: bigint,
      kind: 'credit' | 'debit',
    ): Expected => {
      const account = model.get(accountId);
      if (!account) return { status: 'deferred' };
      if (account.status === 'closed') return { status: 'rejected', reason: 'account_closed' };
      if (account.currency !== currency) return { status: 'rejected', reason: 'currency_mismatch' };
      if (kind === 'debit' && account.status === 'suspended')
        return { status: 'rejected', reason: 'account_suspended' };
      if (kind === 'debit' && account.balance < amount)
        return { status: 'rejected', reason: 'insufficient_funds' };
      account.balance += kind === 'credit' ? amount : -amount;
      return { status: 'applied' };
    };

    // Act: 6 rounds; each appends status changes (account topic), then 500 movements, then projects
    let operations = 0;
    for (let round = 0; round < 6; round++) {
      const accountEvents: AccountEvent[] = [];
      if (round === 0) {
        opened.forEach((accountId, index) => {
          accountEvents.push(events.opened(accountId, currencyOf(index)));
          model.set(accountId, { currency: currencyOf(index), status: 'active', balance: 0n });
        });
      } else {
        for (let change = 0; change < 4; change++) {
          const accountId = pick(opened);
          const account = model.get(accountId) as ModelAccount;
          const to: Status =
            random() < 0.15 ? 'closed' : account.status === 'active' ? 'suspended' : 'active';
          accountEvents.push(events.statusChanged(accountId, account.status, to));
          if (account.status !== 'closed') account.status = to;
        }
      }
      const movements: TransactionEvent[] = [];
      for (let index = 0; index < 500; index++) {
        const accountId = random() < 0.05 ? pick(unknown) : pick(opened);
        const currency: Currency = random() < 0.05 ? 'JPY' : (model.get(accountId)?.currency ?? 'EUR');
        const amount = BigInt(1 + Math.floor(random() * 20_000));
        const roll = random();
        const own = [...topups.entries()].filter(([, topup]) => topup.accountId === accountId);
        if (roll < 0.4 || own.length === 0) {
          const event = events.topup(accountId, amount, currency);
          const outcome = decide(accountId, currency, amount, 'credit');
          if (outcome.status === 'applied')
            topups.set(event.payload.transactionId, { accountId, amount, refunded: 0n });
          expected.set(event.payload.transactionId, outcome);
          movements.push(event);
        } else if (roll < 0.75) {
          const event = events.withdrawal(accountId, amount * 2n, currency);
          expected.set(event.payload.transactionId, decide(accountId, currency, amount * 2n, 'debit'));
          movements.push(event);
        } else {
          const [originalId, original] = pick(own);
          const refund =
            random() < 0.3
              ? original.amount - original.refunded + 1n
              : (original.amount - original.refunded) / 2n + 1n;
          const event = events.refund(accountId, refund, originalId, currency);
          const account = model.get(accountId);
          let outcome: Expected;
          if (!account) outcome = { status: 'deferred' };
          else if (account.status === 'closed') outcome = { status: 'rejected', reason: 'account_closed' };
          else if (account.currency !== currency)
            outcome = { status: 'rejected', reason: 'currency_mismatch' };
          else if (account.status === 'suspended')
            outcome = { status: 'rejected', reason: 'account_suspended' };
          else if (refund > original.amount - original.refunded)
            outcome = { status: 'rejected', reason: 'refund_exceeds_original' };
          else outcome = decide(accountId, currency, refund, 'debit');
          if (outcome.status === 'applied') original.refunded += refund;
          expected.set(event.payload.transactionId, outcome);
          movements.push(event);
        }
      }
      const before = await harness.endOffsets(Object.values(TopicName));
      await harness.append(accountEvents);
      await harness.append(movements);
      const records = await ourRecords(
        harness,
        before,
        await harness.endOffsets(Object.values(TopicName)),
        keys,
      );
      await project(projectors, records, 50);
      operations += accountEvents.length + movements.length;
    }

    // Assess: invariants
    expect(operations).toBeGreaterThanOrEqual(3_000);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
    // Assess: every outcome as the rules say, every balance as the model says
    const rows = (await db.pool.query('SELECT transaction_id, status, rejection_reason FROM transactions'))
      .rows;
    const actual = new Map(rows.map((row) => [row.transaction_id as string, row]));
    for (const [transactionId, outcome] of expected) {
      const row = actual.get(transactionId);
      if (outcome.status === 'deferred') expect(row).toBeUndefined();
      else
        expect({
          id: transactionId,
          status: row?.status,
          reason: row?.rejection_reason ?? undefined,
        }).toEqual({ id: transactionId, ...outcome });
    }
    const statuses = [...expected.values()].map((outcome) => outcome.reason ?? outcome.status);
    for (const kind of [
      'applied',
      'deferred',
      'insufficient_funds',
      'refund_exceeds_original',
      'currency_mismatch',
      'account_suspended',
    ]) {
      expect(statuses).toContain(kind);
    }
    const balances = (await db.pool.query('SELECT account_id, balance_minor, status FROM accounts')).rows;
    for (const row of balances) {
      const account = model.get(row.account_id as string);
      expect({ id: row.account_id, balance: row.balance_minor, status: row.status }).toEqual({
        id: row.account_id,
        balance: account?.balance.toString(),
        status: account?.status,
      });
    }
    expect(balances).toHaveLength(opened.length);

    // Act + Assess: replaying every topic from our start offsets into an empty database
    const replica = await createTestDatabase();
    try {
      const records = await ourRecords(
        harness,
        starts,
        await harness.endOffsets(Object.values(TopicName)),
        keys,
      );
      process.env.DATABASE_URL = replica.url;
      await replayInAppendOrder(projectors, records, 200);
      const original = await readModelOf(db.pool, [...keys]);
      const replayed = await readModelOf(replica.pool, [...keys]);
      expect(replayed.accounts).toEqual(original.accounts);
      expect(replayed.transactions).toEqual(original.transactions);
      expect(replayed.entries).toEqual(original.entries);
      expect(await invariantViolations(replica.pool)).toEqual(NO_VIOLATIONS);
    } finally {
      process.env.DATABASE_URL = db.url;
      await replica.drop();
    }
  });
});
