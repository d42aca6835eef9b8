import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { accountProjector, transactionProjector } from '../ledger';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { directRun } from '../projection/testing/direct-run';
import { eventFactory } from '../projection/testing/events';
import { retryDueLetters } from './retrier';
import type { RetrySettings } from './schedule';
import { findLetter } from './store';
import { letterIntake } from './testing/direct-letters';

const logger = new Logger({ serviceName: 'outbox-sweep-test', logLevel: 'CRITICAL' });
const MINUTE = 60_000;
const settings: RetrySettings = {
  maxAttempts: 3,
  backoffBaseMs: MINUTE,
  backoffCapMs: 10 * MINUTE,
  leaseMs: 5 * MINUTE,
  batchSize: 100,
};

/** What a re-application could not publish is published by the retrier, with no new traffic: on the real database. */
describe('the retrier publishes outbox leftovers', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_sweep');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('publishes the TransferCredited a re-application committed but failed to publish, on a quiet partition', async () => {
    // Prepare: a credit deferred until its destination opened, then re-applied while Kafka refuses
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
    await run.project(accountProjector, [events.opened(destination)]);
    const t0 = Date.now() + 86_400_000;
    run.state.failPublish = true;
    const failed = await retryDueLetters(
      { pool: db.pool, publisher: run.publisher },
      { now: new Date(t0), settings, random: () => 0.5, logger },
    );
    run.state.failPublish = false;
    const credited = () =>
      run.published.filter(
        (event) =>
          event.eventType === 'TransferCredited' &&
          (event.payload as { transferId: string }).transferId === transferId,
      );
    expect(failed).toMatchObject({ attempted: 1, errors: 1 });
    expect(await findLetter(db.pool, String(letterId))).toMatchObject({ status: 'resolved' });
    expect(credited()).toHaveLength(0);

    // Act: the next runs, no new record on any partition
    const soon = await retryDueLetters(
      { pool: db.pool, publisher: run.publisher },
      { now: new Date(t0 + 1_000), settings, random: () => 0.5, logger },
    );
    const later = await retryDueLetters(
      { pool: db.pool, publisher: run.publisher },
      { now: new Date(t0 + 2 * MINUTE), settings, random: () => 0.5, logger },
    );
    const again = await retryDueLetters(
      { pool: db.pool, publisher: run.publisher },
      { now: new Date(t0 + 4 * MINUTE), settings, random: () => 0.5, logger },
    );

    // Assess: published once it had waited a minute, and only once
    expect(soon).toMatchObject({ attempted: 0, outboxPublished: 0 });
    expect(later).toMatchObject({ attempted: 0, errors: 0 });
    expect(later.outboxPublished).toBeGreaterThanOrEqual(2);
    expect(again).toMatchObject({ outboxPublished: 0 });
    expect(credited()).toHaveLength(1);
  });
});
