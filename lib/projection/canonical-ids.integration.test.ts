import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeadLetterEventType, type DeadLetterRecorded, type TransactionEvent } from '../../schemas';
import { accountProjector, transactionProjector } from '../ledger';
import { ProjectionFailureCode } from './constants';
import { createTestDatabase, type TestDatabase } from './testing/database';
import { directRun } from './testing/direct-run';
import { eventFactory } from './testing/events';

const logger = new Logger({ serviceName: 'canonical-ids-test', logLevel: 'CRITICAL' });

/** Ids in any case are one id; a record that breaks a constraint is dead-lettered, never retried forever. */
describe('ids and constraint violations on the real database', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_ids');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const balanceOf = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor;
  const upper = (event: TransactionEvent): TransactionEvent =>
    JSON.parse(JSON.stringify(event).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, (id) => id.toUpperCase()));

  it('reads upper-case ids as the ids they are: a repeated transaction is a duplicate, an account is found', async () => {
    // Prepare
    const run = directRun(db.pool, logger);
    const accountId = randomUUID();
    await run.project(accountProjector, [events.opened(accountId)]);
    const topup = events.topup(accountId, 500);
    await run.project(transactionProjector, [topup]);
    // Act: the same transaction id in upper case (a new event), and a new topup all in upper case
    const again = upper({ ...topup, eventId: randomUUID(), causationId: randomUUID() });
    const report = await run.project(transactionProjector, [again, upper(events.topup(accountId, 70))]);
    // Assess
    expect(report.totals.DuplicateRequests).toBe(1);
    expect(report.totals.MovementsApplied).toBe(1);
    expect(await balanceOf(accountId)).toBe('570');
  });

  it('dead-letters a record whose own transaction violates a constraint, and applies the rest of its batch', async () => {
    // Prepare: a read model with an entry the rules cannot see (no transaction row for it)
    const run = directRun(db.pool, logger);
    const accountId = randomUUID();
    await run.project(accountProjector, [events.opened(accountId)]);
    const clashing = events.topup(accountId, 100);
    if (clashing.eventType !== 'TopupRequested') throw new Error('a topup');
    await db.pool.query(
      `INSERT INTO ledger_entries (transaction_id, ledger_account, account_id, amount_minor, currency)
       VALUES ($1, $2, $3, 1, 'EUR')`,
      [clashing.payload.transactionId, `customer:${accountId}`, accountId],
    );
    // Act
    const report = await run.project(transactionProjector, [
      events.topup(accountId, 10),
      clashing,
      events.topup(accountId, 20),
    ]);
    const again = await run.project(transactionProjector, [clashing]);
    // Assess
    expect(report.totals.MovementsApplied).toBe(2);
    expect(report.totals.RecordsDeadLettered).toBe(1);
    expect(again.totals.RecordsAlreadyProcessed).toBe(1);
    expect(await balanceOf(accountId)).toBe('30');
    const letters = run.published.filter(
      (event): event is DeadLetterRecorded => event.eventType === DeadLetterEventType.deadLetterRecorded,
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.payload.failure).toMatchObject({
      class: 'permanent',
      code: ProjectionFailureCode.constraintViolation,
    });
    expect(letters[0]?.payload.failure.message).toMatch(/^SQLSTATE 23505 on ledger_entries/);
  });
});
