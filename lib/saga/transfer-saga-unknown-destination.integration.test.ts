import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { bootstrapBrokers } from '../../local/stack/topology';
import { type SagaEvent, TopicName } from '../../schemas';
import { deliverOurLetters } from '../dead-letter/testing/our-letters';
import { TEST_RETRY_SETTINGS, testRetrier } from '../dead-letter/testing/test-retrier';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import {
  invokeAll,
  type LambdaHandler,
  MskHarness,
  mskEventsOf,
  type Offsets,
} from '../projection/testing/msk-harness';
import { only } from '../projection/testing/projection-run';
import { invariantViolations, NO_VIOLATIONS } from '../projection/testing/read-model';
import { TransferLeg } from './constants';
import { legTransactionId } from './decider';
import { PENDING_TRANSFERS_SQL } from './queries';
import {
  driveUntilQuiescent,
  loadSagaHandlers,
  moneyCheck,
  SAGA_TOPICS,
  type SagaHandlers,
  transferRequested,
} from './testing/saga-run';
import { TopicTail } from './testing/topic-tail';

jest.setTimeout(180_000);

const logger = new Logger({ serviceName: 'saga-dead-letter-test', logLevel: 'ERROR' });

/**
 * A credit leg to an account that never opens: deferred by the transaction projector, retried by
 * the dead-letter retrier, rejected (account_not_found) when its retries run out, compensated by
 * the saga. One source is closed between its debit and the compensation: the debit comes back
 * to it all the same. Through the real topics, handlers and retrier.
 */
describe('a transfer to an account that never opens', () => {
  let harness: MskHarness;
  let tail: TopicTail;
  let db: TestDatabase;
  let handlers: SagaHandlers;
  let deadLetterHandler: LambdaHandler;
  let closeResources: () => Promise<void>;
  const events = eventFactory();
  // Retrier runs happen "days later", each after the previous one: every due letter is due.
  const { later, retry, replay } = testRetrier(logger);

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('saga-unknown-destination');
    tail = await TopicTail.start(harness, SAGA_TOPICS);
    db = await createTestDatabase('billing_saga_dl_it');
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    process.env.DEAD_LETTER_MAX_ATTEMPTS = String(TEST_RETRY_SETTINGS.maxAttempts);
    handlers = await loadSagaHandlers({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
      saga: () => import('../../functions/transfer-saga'),
    });
    deadLetterHandler = (await import('../../functions/dead-letter')).handler as unknown as LambdaHandler;
    closeResources = (await import('../projection/resources')).closeHandlerResources;
  });

  afterAll(async () => {
    await closeResources?.();
    await tail?.stop();
    await harness?.stop();
    await db?.drop();
  });

  const transfer = async (transferId: string) =>
    (
      await db.pool.query(
        'SELECT status, step, reason, compensated, finished_at IS NOT NULL AS finished FROM transfers WHERE transfer_id = $1',
        [transferId],
      )
    ).rows[0];
  const balance = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor;
  const legs = async (transferId: string) =>
    (
      await db.pool.query(
        `SELECT kind, account_id, status, amount_minor FROM transactions WHERE transfer_id = $1
          ORDER BY array_position(ARRAY['transfer_debit', 'transfer_credit', 'transfer_compensation'], kind)`,
        [transferId],
      )
    ).rows;
  const lettersOf = async (accountId: string) =>
    (
      await db.pool.query(
        `SELECT id, status, attempts, failure_code FROM dead_letters
          WHERE convert_from(decode(source_key, 'base64'), 'UTF8') = $1`,
        [accountId],
      )
    ).rows;
  const historyOf = async (id: string) =>
    (
      await db.pool.query(
        'SELECT action, outcome FROM dead_letter_actions WHERE dead_letter_id = $1 ORDER BY position',
        [id],
      )
    ).rows.map((row) => `${row.action}:${row.outcome}`);

  const deliverLetters = (before: Offsets, keys: ReadonlySet<string>) =>
    deliverOurLetters(harness, db.pool, deadLetterHandler, before, keys);

  it('rejects the credit when its retries run out, returns the debit, fails the transfer: one outcome', async () => {
    // Prepare: A and C funded; U1 and U2 never open (yet)
    const [A, C, U1, U2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const toNowhere: SagaEvent = transferRequested(A, U1, 2_000);
    const fromClosed: SagaEvent = transferRequested(C, U2, 1_500);
    const keys = new Set([A, C, U1, U2, toNowhere.aggregateId, fromClosed.aggregateId]);
    tail.follow(keys);
    await harness.append([
      events.opened(A),
      events.opened(C),
      events.topup(A, 5_000),
      events.topup(C, 4_000),
    ]);
    await driveUntilQuiescent(tail, handlers, db.pool);
    const before = await harness.endOffsets([TopicName.deadLetter, TopicName.transactionEvents]);
    await harness.append([toNowhere, fromClosed]);
    await driveUntilQuiescent(tail, handlers, db.pool);
    // C is closed between its debit and the compensation
    await harness.append([events.statusChanged(C, 'active', 'closed')]);
    await driveUntilQuiescent(tail, handlers, db.pool);
    const stored = await deliverLetters(before, keys);

    // Debited, credit deferred: crediting, the money visible in flight
    expect(stored).toEqual({ stored: 2, parked: 0 });
    expect(await transfer(toNowhere.aggregateId)).toMatchObject({ status: 'crediting' });
    expect(
      (await db.pool.query(PENDING_TRANSFERS_SQL)).rows.map((row) => [row.status, row.in_flight_minor]),
    ).toEqual(
      expect.arrayContaining([
        ['crediting', '2000'],
        ['crediting', '1500'],
      ]),
    );
    expect([await balance(A), await balance(C)]).toEqual(['3000', '2500']);

    // Act: the retries run out (the last attempt by two retriers at once), the saga goes on
    const second = await retry();
    const now = later();
    const [last, concurrent] = await Promise.all([retry(now), retry(now)]);
    const afterwards = await retry();
    await driveUntilQuiescent(tail, handlers, db.pool, { twice: true });

    // Assess: the retrier's report, the letters resolved by the rejection, not parked
    expect(second).toMatchObject({ attempted: 2, retryLater: 2, rejected: 0, parked: 0 });
    expect((last?.attempted ?? 0) + (concurrent?.attempted ?? 0)).toBe(2);
    expect((last?.rejected ?? 0) + (concurrent?.rejected ?? 0)).toBe(2);
    expect((last?.parked ?? 0) + (concurrent?.parked ?? 0)).toBe(0);
    expect(afterwards).toMatchObject({ attempted: 0 });
    const [letter] = await lettersOf(U1);
    expect(letter).toMatchObject({ status: 'resolved', attempts: 2, failure_code: 'ACCOUNT_NOT_FOUND' });
    expect(await historyOf(String(letter?.id))).toEqual([
      'received:received',
      'attempt:failed',
      'attempt:rejected',
    ]);
    // The transfers: failed with the reason, compensated; the ledger shows debit and reversal
    for (const { aggregateId } of [toNowhere, fromClosed]) {
      expect(await transfer(aggregateId)).toEqual({
        status: 'failed',
        step: 'TransferCompensated',
        reason: 'account_not_found',
        compensated: true,
        finished: true,
      });
    }
    expect(await legs(toNowhere.aggregateId)).toEqual([
      { kind: 'transfer_debit', account_id: A, status: 'applied', amount_minor: '2000' },
      { kind: 'transfer_compensation', account_id: A, status: 'applied', amount_minor: '2000' },
    ]);
    expect(await legs(fromClosed.aggregateId)).toEqual([
      { kind: 'transfer_debit', account_id: C, status: 'applied', amount_minor: '1500' },
      { kind: 'transfer_compensation', account_id: C, status: 'applied', amount_minor: '1500' },
    ]);
    const [debitId, reversalId] = [TransferLeg.debit, TransferLeg.compensation].map((leg) =>
      legTransactionId(toNowhere.aggregateId, leg),
    );
    const entries = await db.pool.query(
      `SELECT CASE transaction_id WHEN $1::uuid THEN 'debit' ELSE 'reversal' END AS leg, ledger_account, amount_minor
         FROM ledger_entries WHERE transaction_id = ANY($2::uuid[]) ORDER BY leg, ledger_account`,
      [debitId, [debitId, reversalId]],
    );
    expect(entries.rows.map((row) => [row.leg, row.ledger_account, row.amount_minor])).toEqual([
      ['debit', `customer:${A}`, '-2000'],
      ['debit', 'transfers-in-flight:EUR', '2000'],
      ['reversal', `customer:${A}`, '2000'],
      ['reversal', 'transfers-in-flight:EUR', '-2000'],
    ]);
    // One outcome of each step, the money back where it came from (C closed, its balance visible)
    const steps = await db.pool.query(
      `SELECT event_type, count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM outbox
        WHERE event_type IN ('TransferCreditRejected', 'TransferCompensationRequested', 'TransferCompensated', 'TransferFailed')
        GROUP BY event_type ORDER BY event_type`,
    );
    expect(steps.rows.map((row) => [row.event_type, row.n, row.ids])).toEqual([
      ['TransferCompensated', 2, 2],
      ['TransferCompensationRequested', 2, 2],
      ['TransferCreditRejected', 2, 2],
      ['TransferFailed', 2, 2],
    ]);
    expect([await balance(A), await balance(C)]).toEqual(['5000', '4000']);
    expect((await db.pool.query(PENDING_TRANSFERS_SQL)).rows).toEqual([]);
    const money = await moneyCheck(db.pool);
    expect(money.inFlight).toBe(0n);
    expect(money.balancesPlusInFlight).toBe(money.topupsMinusWithdrawals);
    expect(money.topupsMinusWithdrawals).toBe(9_000n);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);

    // Act again: U1 opens after all; an operator replays the letter; the credit request is redelivered
    await harness.append([events.opened(U1)]);
    await driveUntilQuiescent(tail, handlers, db.pool);
    const replayed = await replay(String(letter?.id));
    const credits = await harness.collect(
      only(before, TopicName.transactionEvents),
      only(await harness.endOffsets([TopicName.transactionEvents]), TopicName.transactionEvents),
      (key) => key === U1,
    );
    await invokeAll(handlers.transaction, 'transaction-projector', mskEventsOf(credits));
    await driveUntilQuiescent(tail, handlers, db.pool);

    // Assess: the credit is never applied, the money moved once
    expect(credits.length).toBeGreaterThanOrEqual(1);
    expect(replayed.result).toBe('unchanged: already resolved');
    expect(await balance(U1)).toBe('0');
    expect(await legs(toNowhere.aggregateId)).toHaveLength(2);
    expect(await balance(A)).toBe('5000');
    expect(await transfer(toNowhere.aggregateId)).toMatchObject({ status: 'failed', compensated: true });
    const end = await moneyCheck(db.pool);
    expect(end.inFlight).toBe(0n);
    expect(end.balancesPlusInFlight).toBe(9_000n);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
  });
});
