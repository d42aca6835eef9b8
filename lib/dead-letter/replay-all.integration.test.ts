import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { transactionProjector } from '../ledger';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { directRun } from '../projection/testing/direct-run';
import { eventFactory } from '../projection/testing/events';
import { replayEveryLetter } from './replay-all';
import { discardLetter } from './store';
import { letterIntake } from './testing/direct-letters';
import { TEST_RETRY_SETTINGS } from './testing/test-retrier';

const logger = new Logger({ serviceName: 'dead-letter-replay-all-test', logLevel: 'CRITICAL' });

/** `dlq replay --all` goes through every matching letter, whatever the page size: on the real database. */
describe('replaying every letter, a page at a time', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_replay_all');
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** The letters of a failure code replayed with pages of two; the ids handed over, in order. */
  async function replayInPagesOfTwo(code: string) {
    const handed: string[] = [];
    const { replayed } = await replayEveryLetter(
      db.pool,
      { code },
      async (letter) => {
        handed.push(letter.id);
      },
      { now: new Date(), pageSize: 2 },
    );
    return { replayed, handed };
  }

  it('hands each open letter over once, oldest first, across pages, and skips settled ones', async () => {
    // Prepare: seven top-ups of accounts not opened yet, dead-lettered and stored one by one.
    const run = directRun(db.pool, logger);
    const intake = letterIntake(db.pool, run, TEST_RETRY_SETTINGS, logger);
    const stored: string[] = [];
    for (let i = 0; i < 7; i++) {
      await run.project(transactionProjector, [events.topup(randomUUID(), 100 + i)]);
      stored.push(...(await intake(new Date(Date.UTC(2026, 0, 1, 0, 0, i)))));
    }
    expect(stored).toHaveLength(7);
    const discarded = stored[3] as string;
    await discardLetter(db.pool, discarded, { reason: 'test', by: 'operator', now: new Date() });

    // Act: pages of two, so the last page is short and a page boundary falls on the discarded one.
    const { replayed, handed } = await replayInPagesOfTwo('ACCOUNT_NOT_FOUND');

    // Assess
    const open = stored.filter((id) => id !== discarded);
    expect(handed).toEqual(open);
    expect(replayed).toBe(6);
  });

  it('replays nothing when no letter matches', async () => {
    expect(await replayInPagesOfTwo('NO_SUCH_CODE')).toEqual({ replayed: 0, handed: [] });
  });
});
