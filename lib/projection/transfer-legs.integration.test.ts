import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { accountProjector, transactionProjector } from '../ledger';
import { createTestDatabase, type TestDatabase } from './testing/database';
import { directRun } from './testing/direct-run';
import { eventFactory } from './testing/events';
import { invariantViolations, NO_VIOLATIONS } from './testing/read-model';

const logger = new Logger({ serviceName: 'transfer-legs-test', logLevel: 'CRITICAL' });

/** A transfer's credit takes money out of transfers-in-flight only against its applied debit: on the real database. */
describe('transfer credit legs tied to their debit', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_legs');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const balanceOf = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor;

  it('applies a credit only against an applied debit of its transfer, of the same amount', async () => {
    // Prepare: two accounts, the source funded
    const run = directRun(db.pool, logger);
    const source = randomUUID();
    const destination = randomUUID();
    await run.project(accountProjector, [events.opened(source), events.opened(destination)]);
    await run.project(transactionProjector, [events.topup(source, 1_000)]);
    const unbacked = randomUUID();
    const mismatched = randomUUID();
    const backed = randomUUID();

    // Act: a credit with no debit, one whose debit was for less, and one properly backed
    await run.project(transactionProjector, [events.transferCredit(destination, 500, unbacked, source)]);
    await run.project(transactionProjector, [events.transferDebit(source, 100, mismatched, destination)]);
    await run.project(transactionProjector, [events.transferCredit(destination, 400, mismatched, source)]);
    await run.project(transactionProjector, [events.transferDebit(source, 200, backed, destination)]);
    const report = await run.project(transactionProjector, [
      events.transferCredit(destination, 200, backed, source),
    ]);

    // Assess
    expect(report.totals.MovementsApplied).toBe(1);
    expect(await balanceOf(source)).toBe('700');
    expect(await balanceOf(destination)).toBe('200');
    const outcomes = run.published
      // The saga's steps and the letters; balance changes and the transaction outcome facts aside
      .filter(
        (event) =>
          !['AccountBalanceChanged', 'TransactionApplied', 'TransactionRejected'].includes(event.eventType),
      )
      .map((event) =>
        event.eventType === 'DeadLetterRecorded'
          ? `${event.eventType}:${event.payload.failure.code}`
          : `${event.eventType}:${(event.payload as { transferId?: string }).transferId}`,
      );
    expect(outcomes).toEqual([
      'DeadLetterRecorded:DEBIT_NOT_RECORDED',
      `TransferDebited:${mismatched}`,
      `TransferCreditRejected:${mismatched}`,
      `TransferDebited:${backed}`,
      `TransferCredited:${backed}`,
    ]);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
  });
});
