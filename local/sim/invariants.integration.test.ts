import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../lib/projection/testing/database';
import { checkSafety, Invariant, trackChanges } from './invariants';

// The per-step check looks only at the groups changed since the last check (noted by triggers);
// every few hundred steps and after the drain it looks at all of them. Both must see a broken row,
// however it was broken: an insert, an update or a delete.

describe('the simulation safety check, over changed groups and over all', () => {
  let database: TestDatabase;
  const account = randomUUID();
  const transaction = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('billing_sim_check');
    await trackChanges(database.pool);
  });

  afterAll(async () => {
    await database.drop();
  });

  const check = (scope: 'changed' | 'all') => checkSafety(database.pool, [], [], scope);

  it('holds on a consistent account, and a check with nothing changed looks at nothing', async () => {
    // Prepare: a top-up of 500, its two entries and the balance they give.
    await database.pool.query(
      `INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at)
       VALUES ($1, $2, 'EUR', 'active', 500, 1, now(), now())`,
      [account, randomUUID()],
    );
    await database.pool.query(
      `INSERT INTO transactions (transaction_id, account_id, kind, amount_minor, currency, status, balance_after_minor, event_id, occurred_at, source_partition, source_offset)
       VALUES ($1, $2, 'topup', 500, 'EUR', 'applied', 500, $3, now(), 0, 1)`,
      [transaction, account, randomUUID()],
    );
    await database.pool.query(
      `INSERT INTO ledger_entries (transaction_id, ledger_account, account_id, amount_minor, currency)
       VALUES ($1, 'customer:' || $2, $2::uuid, 500, 'EUR'), ($1, 'external:topups', NULL, -500, 'EUR')`,
      [transaction, account],
    );

    // Act, Assess
    expect(await check('changed')).toBeUndefined();
    const { rows } = await database.pool.query('SELECT count(*)::int AS noted FROM sim_changed');
    expect(rows[0].noted).toBe(0);
    expect(await check('all')).toBeUndefined();
  });

  it('sees a deleted entry in the next check of changed groups, and in a full one', async () => {
    // Act: the customer's entry goes; no row of the account itself is written.
    await database.pool.query(`DELETE FROM ledger_entries WHERE transaction_id = $1 AND account_id = $2`, [
      transaction,
      account,
    ]);

    // Assess
    const changed = await check('changed');
    expect(changed?.invariant).toBe(Invariant.balanceIsSumOfEntries);
    expect(changed?.detail).toContain(account);
    expect(await check('all')).toMatchObject({ invariant: Invariant.balanceIsSumOfEntries });
  });

  it('sees a second transaction of one source record however it was written', async () => {
    // Prepare: put the entry back, so the account holds again.
    await database.pool.query(
      `INSERT INTO ledger_entries (transaction_id, ledger_account, account_id, amount_minor, currency)
       VALUES ($1, 'customer:' || $2, $2::uuid, 500, 'EUR')`,
      [transaction, account],
    );
    expect(await check('changed')).toBeUndefined();

    // Act: an update moves another transaction onto the same source record.
    const second = randomUUID();
    await database.pool.query(
      `INSERT INTO transactions (transaction_id, account_id, kind, amount_minor, currency, status, rejection_reason, balance_after_minor, event_id, occurred_at, source_partition, source_offset)
       VALUES ($1, $2, 'topup', 1, 'EUR', 'rejected', 'LIMIT', NULL, $3, now(), 3, 7)`,
      [second, account, randomUUID()],
    );
    expect(await check('changed')).toBeUndefined();
    await database.pool.query(
      `UPDATE transactions SET source_partition = 0, source_offset = 1 WHERE transaction_id = $1`,
      [second],
    );

    // Assess
    expect(await check('changed')).toMatchObject({
      invariant: Invariant.oneEffectPerRecord,
      detail: 'record billing.transaction.events-0@1 recorded as 2 transactions',
    });
  });
});
