import { randomUUID } from 'node:crypto';
import { bootstrapBrokers, localDatabaseUrl } from '../../local/stack/topology';
import type { BillingEvent } from '../../schemas';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import { MskHarness } from '../projection/testing/msk-harness';
import { invariantViolations, NO_VIOLATIONS } from '../projection/testing/read-model';
import { TransferLeg } from './constants';
import { legTransactionId } from './decider';
import { PENDING_TRANSFERS_SQL } from './queries';
import {
  type DriveOptions,
  driveUntilQuiescent,
  loadSagaHandlers,
  moneyCheck,
  SAGA_TOPICS,
  type SagaHandlers,
  transferRequested,
} from './testing/saga-run';
import { TopicTail } from './testing/topic-tail';

jest.setTimeout(120_000);

/**
 * One scenario of every outcome, run through the real topics and handlers: a completed transfer,
 * a rejected debit, a rejected credit compensated, a currency refused at the start.
 */
function scenario() {
  const events = eventFactory();
  const [A, B, C, D, E, F] = Array.from({ length: 6 }, () => randomUUID()) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const happy = transferRequested(A, B, 3_000);
  const poor = transferRequested(C, D, 5_000);
  const toClosed = transferRequested(A, E, 2_000);
  const toDollars = transferRequested(A, F, 1_000);
  return {
    accounts: { A, B, C, D, E, F },
    transfers: { happy, poor, toClosed, toDollars },
    keys: new Set([A, B, C, D, E, F, ...[happy, poor, toClosed, toDollars].map((t) => t.aggregateId)]),
    setup: [
      events.opened(A),
      events.opened(B),
      events.opened(C),
      events.opened(D),
      events.opened(E),
      events.opened(F, 'USD'),
      events.statusChanged(E, 'active', 'closed'),
      events.topup(A, 10_000),
      events.topup(C, 1_000),
    ] as BillingEvent[],
    requests: [happy, poor, toClosed, toDollars] as BillingEvent[],
  };
}

describe('transfer saga on the real cluster and database', () => {
  let harness: MskHarness;
  let tail: TopicTail;
  let db: TestDatabase;
  let handlers: SagaHandlers;
  let closeResources: () => Promise<void>;

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('saga');
    tail = await TopicTail.start(harness, SAGA_TOPICS);
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    handlers = await loadSagaHandlers({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
      saga: () => import('../../functions/transfer-saga'),
    });
    closeResources = (await import('../projection/resources')).closeHandlerResources;
  });

  // The handlers read DATABASE_URL: each test's database is created on the server it started with.
  const serverUrl = process.env.DATABASE_URL ?? localDatabaseUrl;

  beforeEach(async () => {
    db = await createTestDatabase('billing_saga_it', serverUrl);
    process.env.DATABASE_URL = db.url;
  });

  afterEach(async () => {
    await closeResources();
    await db.drop();
  });

  afterAll(async () => {
    await closeResources?.();
    await tail?.stop();
    await harness?.stop();
  });

  const transfer = async (transferId: string) =>
    (
      await db.pool.query(
        'SELECT status, step, reason, compensated, amount_minor, finished_at IS NOT NULL AS finished FROM transfers WHERE transfer_id = $1',
        [transferId],
      )
    ).rows[0];
  const balance = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor;
  const legs = async (transferId: string) =>
    (
      await db.pool.query(
        `SELECT x.kind, x.account_id, x.status, x.rejection_reason, x.amount_minor
           FROM transactions x WHERE x.transfer_id = $1
          ORDER BY array_position(ARRAY['transfer_debit', 'transfer_credit', 'transfer_compensation'], x.kind)`,
        [transferId],
      )
    ).rows;
  const pending = async () => (await db.pool.query(PENDING_TRANSFERS_SQL)).rows;

  /** Runs the scenario: accounts first (in order), then the transfers as the options say. */
  const run = async (options: DriveOptions = {}) => {
    const s = scenario();
    tail.follow(s.keys);
    await harness.append(s.setup);
    await driveUntilQuiescent(tail, handlers, db.pool);
    const { happy } = s.transfers;
    const inFlightSeen: unknown[] = [];
    await harness.append(s.requests);
    await driveUntilQuiescent(tail, handlers, db.pool, {
      ...options,
      afterRound: async () => {
        const state = await transfer(happy.aggregateId);
        if (state?.status !== 'crediting') return;
        inFlightSeen.push({
          source: await balance(s.accounts.A),
          destination: await balance(s.accounts.B),
          pending: (await pending())
            .filter((row) => row.transfer_id === happy.aggregateId)
            .map((row) => ({ status: row.status, amount: row.amount_minor, inFlight: row.in_flight_minor })),
        });
      },
    });
    return { ...s, inFlightSeen };
  };

  const assessOutcomes = async (s: Awaited<ReturnType<typeof run>>) => {
    const { A, B, C, D, E, F } = s.accounts;
    const { happy, poor, toClosed, toDollars } = s.transfers;
    // Happy path: debited, then credited, completed.
    expect(await transfer(happy.aggregateId)).toEqual({
      status: 'completed',
      step: 'TransferCredited',
      reason: null,
      compensated: false,
      amount_minor: '3000',
      finished: true,
    });
    expect(await legs(happy.aggregateId)).toEqual([
      {
        kind: 'transfer_debit',
        account_id: A,
        status: 'applied',
        rejection_reason: null,
        amount_minor: '3000',
      },
      {
        kind: 'transfer_credit',
        account_id: B,
        status: 'applied',
        rejection_reason: null,
        amount_minor: '3000',
      },
    ]);
    // Debit rejected: failed with its reason, no money moved.
    expect(await transfer(poor.aggregateId)).toMatchObject({
      status: 'failed',
      reason: 'insufficient_funds',
      compensated: false,
    });
    expect(await legs(poor.aggregateId)).toEqual([
      {
        kind: 'transfer_debit',
        account_id: C,
        status: 'rejected',
        rejection_reason: 'insufficient_funds',
        amount_minor: '5000',
      },
    ]);
    // Credit rejected: compensated, then failed; the ledger shows debit and reversal.
    expect(await transfer(toClosed.aggregateId)).toMatchObject({
      status: 'failed',
      reason: 'account_closed',
      compensated: true,
    });
    expect(await legs(toClosed.aggregateId)).toEqual([
      {
        kind: 'transfer_debit',
        account_id: A,
        status: 'applied',
        rejection_reason: null,
        amount_minor: '2000',
      },
      {
        kind: 'transfer_credit',
        account_id: E,
        status: 'rejected',
        rejection_reason: 'account_closed',
        amount_minor: '2000',
      },
      {
        kind: 'transfer_compensation',
        account_id: A,
        status: 'applied',
        rejection_reason: null,
        amount_minor: '2000',
      },
    ]);
    const [debitId, compensationId] = [TransferLeg.debit, TransferLeg.compensation].map((leg) =>
      legTransactionId(toClosed.aggregateId, leg),
    );
    const entries = await db.pool.query(
      `SELECT CASE transaction_id WHEN $1::uuid THEN 'debit' ELSE 'reversal' END AS leg, ledger_account, amount_minor
         FROM ledger_entries WHERE transaction_id = ANY($2::uuid[]) ORDER BY leg, ledger_account`,
      [debitId, [debitId, compensationId]],
    );
    expect(entries.rows.map((row) => [row.leg, row.ledger_account, row.amount_minor])).toEqual([
      ['debit', `customer:${A}`, '-2000'],
      ['debit', 'transfers-in-flight:EUR', '2000'],
      ['reversal', `customer:${A}`, '2000'],
      ['reversal', 'transfers-in-flight:EUR', '-2000'],
    ]);
    // Currency refused at the start: no leg requested.
    expect(await transfer(toDollars.aggregateId)).toMatchObject({
      status: 'failed',
      reason: 'currency_mismatch',
      compensated: false,
      step: 'TransferRequested',
    });
    expect(await legs(toDollars.aggregateId)).toEqual([]);
    // Balances: A 10000 - 3000 (the compensated 2000 came back), B +3000, others untouched.
    expect(await Promise.all([A, B, C, D, E, F].map((account) => balance(account)))).toEqual([
      '7000',
      '3000',
      '1000',
      '0',
      '0',
      '0',
    ]);
    expect(await pending()).toEqual([]);
    const money = await moneyCheck(db.pool);
    expect(money.inFlight).toBe(0n);
    expect(money.balancesPlusInFlight).toBe(money.topupsMinusWithdrawals);
    expect(money.topupsMinusWithdrawals).toBe(11_000n);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
  };

  it('completes, fails and compensates transfers through the real topics, money in flight visible', async () => {
    // Act
    const s = await run();

    // Assess
    await assessOutcomes(s);
    // Between debit and credit: 3000 left A (and 2000 for the transfer to the closed account) and
    // is not yet in B; the pending query shows it in flight.
    expect(s.inFlightSeen[0]).toEqual({
      source: '5000',
      destination: '0',
      pending: [{ status: 'crediting', amount: '3000', inFlight: '3000' }],
    });
    const outcomes = await db.pool.query(
      `SELECT event_type, count(*)::int AS n FROM outbox WHERE producer = 'transfer-saga' GROUP BY event_type ORDER BY event_type`,
    );
    expect(outcomes.rows).toEqual([
      { event_type: 'TransferCompensationRequested', n: 1 },
      { event_type: 'TransferCompleted', n: 1 },
      { event_type: 'TransferCreditRequested', n: 2 },
      { event_type: 'TransferDebitRequested', n: 3 },
      { event_type: 'TransferFailed', n: 3 },
    ]);
  });

  it('keeps one outcome when every step is delivered twice and partitions run in reverse order', async () => {
    // Act
    const s = await run({ twice: true, reversed: true, batchSize: 1 });
    // A client retrying a request (new event id) and a verbatim re-publish of another, afterwards.
    const { happy, poor } = s.transfers;
    const retried = { ...happy, eventId: randomUUID() };
    await harness.append([{ ...retried, causationId: retried.eventId }, poor]);
    const rounds = await driveUntilQuiescent(tail, handlers, db.pool, { twice: true });

    // Assess
    expect(rounds).toBe(1);
    await assessOutcomes(s);
    const derived = await db.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids FROM outbox WHERE producer = 'transfer-saga'`,
    );
    expect(derived.rows[0]).toEqual({ n: 10, distinct_ids: 10 });
  });

  it('refuses a transfer to the same account or of zero at the start, with the reason', async () => {
    // Prepare
    const account = randomUUID();
    const same = transferRequested(account, account, 100);
    const zero = transferRequested(account, randomUUID(), 0);

    // Act
    const appendSame = harness.append([same]);
    const appendZero = harness.append([zero]);

    // Assess
    await expect(appendSame).rejects.toThrow(/must differ from payload\.fromAccountId/);
    await expect(appendZero).rejects.toThrow(/must be greater than zero/);
  });
});
