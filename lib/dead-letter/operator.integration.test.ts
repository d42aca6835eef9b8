import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { accountProjector, transactionProjector } from '../ledger';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { directRun } from '../projection/testing/direct-run';
import { eventFactory } from '../projection/testing/events';
import { replayLetter, retryDueLetters } from './retrier';
import type { RetrySettings } from './schedule';
import { discardLetter, findLetter } from './store';
import { letterIntake } from './testing/direct-letters';

const logger = new Logger({ serviceName: 'dead-letter-operator-test', logLevel: 'CRITICAL' });
const MINUTE = 60_000;
const DAY = 86_400_000;
const settings: RetrySettings = {
  maxAttempts: 3,
  backoffBaseMs: MINUTE,
  backoffCapMs: 10 * MINUTE,
  leaseMs: 5 * MINUTE,
  batchSize: 100,
};

/** Operator actions never strand money, nor give up what still has retries: on the real database. */
describe('operator actions on transfer letters', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_operator');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const balanceOf = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor ?? null;

  /** A transfer's debit applied, its credit to an account not open yet dead-lettered and stored. */
  async function deferredCredit() {
    const run = directRun(db.pool, logger);
    const intake = letterIntake(db.pool, run, settings, logger);
    const source = randomUUID();
    const destination = randomUUID();
    const transferId = randomUUID();
    await run.project(accountProjector, [events.opened(source)]);
    await run.project(transactionProjector, [events.topup(source, 1_000)]);
    await run.project(transactionProjector, [events.transferDebit(source, 300, transferId, destination)]);
    await run.project(transactionProjector, [events.transferCredit(destination, 300, transferId, source)]);
    const [letterId] = await intake();
    if (!letterId) throw new Error('the credit was dead-lettered');
    return { run, destination, letterId };
  }

  it('refuses to discard a deferred transfer credit, naming the replay instead', async () => {
    // Prepare
    const { letterId } = await deferredCredit();

    // Act
    const result = await discardLetter(db.pool, letterId, {
      reason: 'cleanup',
      by: 'operator',
      now: new Date(),
    });

    // Assess
    expect(result).toMatchObject({ discarded: false, status: 'received' });
    expect(result?.refused).toMatch(/transfers-in-flight.*replay/);
    expect(await findLetter(db.pool, letterId)).toMatchObject({ status: 'received' });
  });

  it('gives up nothing that still has retries when an operator replays it', async () => {
    // Prepare
    const { run, destination, letterId } = await deferredCredit();
    const t0 = Date.now();

    // Act: replayed (as `replay --all --code ACCOUNT_NOT_FOUND` would) before the destination opens
    const replayed = await replayLetter(
      letterId,
      { pool: db.pool, publisher: run.publisher },
      {
        now: new Date(t0),
        settings,
        random: () => 0.5,
        logger,
        by: 'operator',
      },
    );
    await run.project(accountProjector, [events.opened(destination)]);
    const retried = await retryDueLetters(
      { pool: db.pool, publisher: run.publisher },
      { now: new Date(t0 + DAY), settings, random: () => 0.5, logger },
    );

    // Assess: the replay failed without a rejection; the retry applied the credit
    expect(replayed.result).toMatch(/^failed again .*retried on its schedule$/);
    expect(run.published.some((event) => event.eventType === 'TransferCreditRejected')).toBe(false);
    expect(retried).toMatchObject({ resolved: 1, rejected: 0 });
    expect(await balanceOf(destination)).toBe('300');
    expect(await findLetter(db.pool, letterId)).toMatchObject({ status: 'resolved', attempts: 1 });
  });
});
