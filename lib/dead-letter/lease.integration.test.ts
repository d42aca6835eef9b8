import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Client } from 'pg';
import { FailureClass } from '../../schemas';
import { accountProjector, transactionProjector } from '../ledger';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { directRun } from '../projection/testing/direct-run';
import { eventFactory } from '../projection/testing/events';
import { LetterFailureCode } from './constants';
import { reapplyLetter } from './reapply';
import { replayLetter } from './retrier';
import type { RetrySettings } from './schedule';
import { claimDueLetters, discardLetter, findLetter, recordAttempt, type StoredLetter } from './store';
import { letterIntake } from './testing/direct-letters';

const logger = new Logger({ serviceName: 'dead-letter-lease-test', logLevel: 'CRITICAL' });
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Two attempts in all: the first re-application of a letter is its last. */
const settings: RetrySettings = {
  maxAttempts: 2,
  backoffBaseMs: MINUTE,
  backoffCapMs: 10 * MINUTE,
  leaseMs: MINUTE,
  batchSize: 100,
};

/** Letters are changed only by whoever holds their lease, and never reopened once closed: on the real database. */
describe('dead-letter leases and closed letters', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_leases');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const balanceOf = async (accountId: string) =>
    BigInt(
      (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
        ?.balance_minor ?? 0,
    );

  /** A funded source, a transfer's debit applied, its credit to an account not open yet dead-lettered and stored. */
  async function deferredCredit() {
    const run = directRun(db.pool, logger);
    const intake = letterIntake(db.pool, run, settings, logger);
    const source = randomUUID();
    const destination = randomUUID();
    const transferId = randomUUID();
    await run.project(accountProjector, [events.opened(source)]);
    await run.project(transactionProjector, [events.topup(source, 1_000)]);
    const debit = events.transferDebit(source, 300, transferId, destination);
    await run.project(transactionProjector, [debit]);
    await run.project(transactionProjector, [events.transferCredit(destination, 300, transferId, source)]);
    const [letterId] = await intake();
    if (!letterId) throw new Error('the credit was dead-lettered');
    const debitId = (debit.payload as { transactionId: string }).transactionId;
    return { run, source, destination, transferId, debitId, letterId };
  }

  const attempt = (run: ReturnType<typeof directRun>, letter: StoredLetter, now: Date, lastAttempt = true) =>
    reapplyLetter(
      letter,
      { pool: db.pool, publisher: run.publisher },
      { now, logger, lastAttempt, leaseMs: MINUTE },
    );

  it('creates no money when a late claimer fails a letter another attempt settled, and an operator replays it', async () => {
    // Prepare: two retriers hold the letter, the second after the first one's lease ran out
    const { run, source, destination, transferId, debitId, letterId } = await deferredCredit();
    const t0 = Date.now() + DAY;
    const first = await claimDueLetters(db.pool, { now: new Date(t0), limit: 10, leaseMs: MINUTE });
    const second = await claimDueLetters(db.pool, {
      now: new Date(t0 + 2 * MINUTE),
      limit: 10,
      leaseMs: MINUTE,
    });
    const firstLetter = first.letters.find((letter) => letter.id === letterId);
    const secondLetter = second.letters.find((letter) => letter.id === letterId);
    if (!firstLetter || !secondLetter) throw new Error('both claimed the letter');

    // Act: the first (lease lost) gives the credit up on its last attempt, and the saga compensates
    await attempt(run, firstLetter, new Date(t0 + 3 * MINUTE));
    if (run.published.some((event) => event.eventType === 'TransferCreditRejected')) {
      await run.project(transactionProjector, [events.compensation(source, 300, transferId, debitId)]);
    }
    // the second, whose re-application ran alongside, found a marker that was not the letter's
    await recordAttempt(
      db.pool,
      secondLetter,
      {
        kind: 'failed',
        failureClass: FailureClass.permanent,
        code: LetterFailureCode.markerPresent,
        message: 'processed by another path',
      },
      {
        token: second.token,
        now: new Date(t0 + 3 * MINUTE),
        settings,
        random: 0.5,
        actor: 'dead-letter-retrier',
        action: 'attempt',
      },
    );
    // the destination opens, and an operator replays what is parked
    await run.project(accountProjector, [events.opened(destination)]);
    await replayLetter(
      letterId,
      { pool: db.pool, publisher: run.publisher },
      {
        now: new Date(t0 + 10 * MINUTE),
        settings,
        random: () => 0.5,
        logger,
        by: 'operator',
      },
    );

    // Assess: the 1,000 topped up is all there is, and the transfer took one way only
    expect((await balanceOf(source)) + (await balanceOf(destination))).toBe(1_000n);
    const { rows } = await db.pool.query(
      `SELECT kind, status FROM transactions WHERE transfer_id = $1 AND status = 'applied' ORDER BY kind`,
      [transferId],
    );
    expect(rows.map((row) => row.kind)).toEqual(['transfer_credit', 'transfer_debit']);
  });

  it('keeps a resolved letter resolved when a failure is recorded after it', async () => {
    // Prepare: a letter settled (the credit given up) by its last attempt
    const { run, letterId } = await deferredCredit();
    const now = new Date(Date.now() + DAY);
    const claimed = await claimDueLetters(db.pool, { now, limit: 10, leaseMs: MINUTE });
    const letter = claimed.letters.find((candidate) => candidate.id === letterId);
    if (!letter) throw new Error('claimed');
    expect(await attempt(run, letter, now)).toMatchObject({ kind: 'rejected' });

    // Act
    const recorded = await recordAttempt(
      db.pool,
      letter,
      { kind: 'failed', failureClass: FailureClass.deferred, code: 'ACCOUNT_NOT_FOUND', message: 'late' },
      { token: claimed.token, now, settings, random: 0.5, actor: 'dead-letter-retrier', action: 'attempt' },
    );

    // Assess
    expect(recorded.parked).toBe(false);
    expect(await findLetter(db.pool, letterId)).toMatchObject({ status: 'resolved' });
  });

  it('lets no attempt still in flight turn a discarded letter into a resolved one', async () => {
    // Prepare: a topup that came before its account's opening, claimed; the account opens
    const run = directRun(db.pool, logger);
    const intake = letterIntake(db.pool, run, settings, logger);
    const accountId = randomUUID();
    await run.project(transactionProjector, [events.topup(accountId, 500)]);
    const [letterId] = await intake();
    await run.project(accountProjector, [events.opened(accountId)]);
    const t0 = Date.now() + DAY;
    const claimed = await claimDueLetters(db.pool, { now: new Date(t0), limit: 10, leaseMs: MINUTE });
    const letter = claimed.letters.find((candidate) => candidate.id === letterId);
    if (!letter || !letterId) throw new Error('claimed');
    // the account's row held elsewhere, so the attempt stops inside its batch transaction
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [accountId]);

    // Act: the attempt starts; its lease runs out and the letter is discarded while it waits
    const inFlight = attempt(run, letter, new Date(t0 + 30_000), false);
    for (let tries = 0; tries < 100; tries++) {
      const { rows } = await db.pool.query('SELECT marker_state FROM dead_letters WHERE id = $1', [letterId]);
      if (rows[0]?.marker_state === 'cleared') break;
      await new Promise((done) => setTimeout(done, 20));
    }
    const discarded = await discardLetter(db.pool, letterId, {
      reason: 'test data',
      by: 'operator',
      now: new Date(t0 + 2 * MINUTE),
    });
    await blocker.query('COMMIT');
    await blocker.end();
    const outcome = await inFlight;

    // Assess
    expect(discarded).toMatchObject({ discarded: true });
    expect(outcome).toMatchObject({ kind: 'error' });
    expect(await findLetter(db.pool, letterId)).toMatchObject({ status: 'discarded' });
    expect(await balanceOf(accountId)).toBe(0n);
  });
});
