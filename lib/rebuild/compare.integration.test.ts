import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { compareReadModels, type Queryable, type TableComparison } from './compare';

/*
 * Two read-model databases on the local PostgreSQL, written the same rows through SQL, compared;
 * then made to differ in known ways, each of which must be reported exactly.
 */

/** A small ledger: two topups' worth of history, a rejected withdrawal, two transfers. */
function ledgerOf() {
  const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
  const ids = {
    alice,
    bob,
    carol,
    topup: randomUUID(),
    withdrawal: randomUUID(),
    rejected: randomUUID(),
    debit: randomUUID(),
    credit: randomUUID(),
    completedTransfer: randomUUID(),
    pendingTransfer: randomUUID(),
  };
  // Every id is drawn once: both databases get the very same rows.
  const [customers, events, correlations] = [
    [randomUUID(), randomUUID(), randomUUID()],
    Array.from({ length: 5 }, () => randomUUID()),
    [randomUUID(), randomUUID()],
  ];
  const at = (second: number) => `2025-12-01T10:00:${String(second).padStart(2, '0')}.123456Z`;
  /** Writes the same rows into a database. */
  const write = async (pool: Pool) => {
    await pool.query(
      `INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at)
       VALUES ($1, $4, 'EUR', 'active', 1000, 5, $7, $8),
              ($2, $5, 'EUR', 'active', 200, 2, $7, $8),
              ($3, $6, 'USD', 'suspended', 0, 2, $7, $8)`,
      [alice, bob, carol, ...customers, at(0), at(30)],
    );
    const transaction = (
      transactionId: string,
      accountId: string,
      kind: string,
      amount: number,
      outcome: { readonly balanceAfter: number } | { readonly rejected: string },
      second: number,
      transferId: string | null = null,
    ) =>
      pool.query(
        `INSERT INTO transactions (transaction_id, account_id, kind, amount_minor, currency, status, rejection_reason,
           balance_after_minor, transfer_id, event_id, occurred_at, source_partition, source_offset)
         VALUES ($1, $2, $3, $4, 'EUR', $5, $6, $7, $8, $9, $10, 0, $11)`,
        [
          transactionId,
          accountId,
          kind,
          amount,
          'rejected' in outcome ? 'rejected' : 'applied',
          'rejected' in outcome ? outcome.rejected : null,
          'balanceAfter' in outcome ? outcome.balanceAfter : null,
          transferId,
          events[second - 1],
          at(second),
          second,
        ],
      );
    await transaction(ids.topup, alice, 'topup', 1500, { balanceAfter: 1500 }, 1);
    await transaction(ids.withdrawal, alice, 'withdrawal', 300, { balanceAfter: 1200 }, 2);
    await transaction(ids.rejected, bob, 'withdrawal', 50, { rejected: 'insufficient_funds' }, 3);
    await transaction(
      ids.debit,
      alice,
      'transfer_debit',
      200,
      { balanceAfter: 1000 },
      4,
      ids.completedTransfer,
    );
    await transaction(
      ids.credit,
      bob,
      'transfer_credit',
      200,
      { balanceAfter: 200 },
      5,
      ids.completedTransfer,
    );
    await pool.query(
      `INSERT INTO ledger_entries (transaction_id, ledger_account, account_id, amount_minor, currency) VALUES
         ($1, 'customer:' || $5::text, $5::uuid, 1500, 'EUR'), ($1, 'external:EUR', NULL, -1500, 'EUR'),
         ($2, 'customer:' || $5::text, $5::uuid, -300, 'EUR'), ($2, 'external:EUR', NULL, 300, 'EUR'),
         ($3, 'customer:' || $5::text, $5::uuid, -200, 'EUR'), ($3, 'transfers-in-flight:EUR', NULL, 200, 'EUR'),
         ($4, 'customer:' || $6::text, $6::uuid, 200, 'EUR'), ($4, 'transfers-in-flight:EUR', NULL, -200, 'EUR')`,
      [ids.topup, ids.withdrawal, ids.debit, ids.credit, alice, bob],
    );
    await pool.query(
      `INSERT INTO transfers (transfer_id, from_account_id, to_account_id, amount_minor, currency, status, step,
         reason, compensated, correlation_id, requested_at, updated_at, finished_at)
       VALUES ($1, $3, $4, 200, 'EUR', 'completed', 'TransferCredited', NULL, false, $5, $7, $8, $8),
              ($2, $3, $4, 100, 'EUR', 'debiting', 'TransferRequested', NULL, false, $6, $9, $9, NULL)`,
      [ids.completedTransfer, ids.pendingTransfer, alice, bob, ...correlations, at(3), at(6), at(7)],
    );
  };
  return { ids, at, write };
}

const tableOf = (tables: readonly TableComparison[], name: string): TableComparison => {
  const table = tables.find((candidate) => candidate.table === name);
  if (!table) throw new Error(`no comparison of ${name}`);
  return table;
};

describe('compareReadModels on two PostgreSQL databases', () => {
  let live: TestDatabase;
  let rebuilt: TestDatabase;

  beforeAll(async () => {
    [live, rebuilt] = await Promise.all([
      createTestDatabase('billing_it_cmp'),
      createTestDatabase('billing_it_cmp'),
    ]);
  });

  afterEach(async () => {
    const empty = 'TRUNCATE accounts, transactions, ledger_entries, transfers';
    await Promise.all([live?.pool.query(empty), rebuilt?.pool.query(empty)]);
  });

  afterAll(async () => {
    await Promise.all([live?.drop(), rebuilt?.drop()]);
  });

  it('finds the same rows the same, then reports each difference exactly', async () => {
    const ledger = ledgerOf();
    await ledger.write(live.pool);
    await ledger.write(rebuilt.pool);

    const same = await compareReadModels(live.pool, rebuilt.pool);
    expect(same.differences).toBe(0);
    expect(same.tables.map(({ table, liveRows, rebuiltRows }) => [table, liveRows, rebuiltRows])).toEqual([
      ['accounts', 3, 3],
      ['transactions', 5, 5],
      ['ledger_entries', 8, 8],
      ['transfers', 2, 2],
    ]);

    const { ids, at } = ledger;
    const extraTransfer = randomUUID();
    await rebuilt.pool.query('UPDATE accounts SET balance_minor = 1500 WHERE account_id = $1', [ids.alice]);
    await rebuilt.pool.query(
      `DELETE FROM ledger_entries WHERE transaction_id = $1 AND ledger_account = 'external:EUR'`,
      [ids.withdrawal],
    );
    await live.pool.query(
      `INSERT INTO transfers (transfer_id, from_account_id, to_account_id, amount_minor, currency, status, step,
         reason, compensated, correlation_id, requested_at, updated_at, finished_at)
       VALUES ($1, $2, $3, 9007199254740993, 'EUR', 'failed', 'TransferCompensated', 'account_not_found', true,
               $4, $5, $6, $6)`,
      [extraTransfer, ids.bob, ids.carol, randomUUID(), at(8), at(9)],
    );
    await rebuilt.pool.query(`UPDATE transfers SET status = 'crediting' WHERE transfer_id = $1`, [
      ids.pendingTransfer,
    ]);

    const result = await compareReadModels(live.pool, rebuilt.pool);
    expect(result.differences).toBe(4);
    expect(tableOf(result.tables, 'accounts')).toEqual({
      table: 'accounts',
      liveRows: 3,
      rebuiltRows: 3,
      differences: 1,
      listed: [
        {
          kind: 'changed',
          key: { account_id: ids.alice },
          columns: [{ column: 'balance_minor', live: '1000', rebuilt: '1500' }],
        },
      ],
    });
    expect(tableOf(result.tables, 'transactions')).toMatchObject({ differences: 0, listed: [] });
    expect(tableOf(result.tables, 'ledger_entries')).toEqual({
      table: 'ledger_entries',
      liveRows: 8,
      rebuiltRows: 7,
      differences: 1,
      listed: [
        {
          kind: 'only-in-live',
          key: { transaction_id: ids.withdrawal, ledger_account: 'external:EUR' },
          values: { account_id: null, amount_minor: '300', currency: 'EUR' },
        },
      ],
    });
    const transfers = tableOf(result.tables, 'transfers');
    expect(transfers).toMatchObject({ liveRows: 3, rebuiltRows: 2, differences: 2 });
    expect(transfers.listed).toHaveLength(2);
    expect(transfers.listed).toEqual(
      expect.arrayContaining([
        {
          kind: 'only-in-live',
          key: { transfer_id: extraTransfer },
          values: {
            from_account_id: ids.bob,
            to_account_id: ids.carol,
            amount_minor: '9007199254740993',
            currency: 'EUR',
            status: 'failed',
            step: 'TransferCompensated',
            reason: 'account_not_found',
            compensated: 'true',
            requested_at: at(8),
            finished_at: at(9),
          },
        },
        {
          kind: 'changed',
          key: { transfer_id: ids.pendingTransfer },
          columns: [{ column: 'status', live: 'debiting', rebuilt: 'crediting' }],
        },
      ]),
    );
  });

  it('tells apart amounts beyond 2^53 and times a microsecond apart, read through clients', async () => {
    const ledger = ledgerOf();
    await ledger.write(live.pool);
    await ledger.write(rebuilt.pool);
    const { ids } = ledger;
    await live.pool.query('UPDATE accounts SET balance_minor = 9007199254740993 WHERE account_id = $1', [
      ids.bob,
    ]);
    await rebuilt.pool.query('UPDATE accounts SET balance_minor = 9007199254740992 WHERE account_id = $1', [
      ids.bob,
    ]);
    await rebuilt.pool.query(
      `UPDATE transactions SET occurred_at = occurred_at + interval '1 microsecond' WHERE transaction_id = $1`,
      [ids.topup],
    );
    // Not compared: when the row was last written, and where its event was read.
    await rebuilt.pool.query(
      `UPDATE accounts SET updated_at = now(); UPDATE transactions SET source_partition = 7, source_offset = 1000`,
    );

    const [liveClient, rebuiltClient] = await Promise.all([live.pool.connect(), rebuilt.pool.connect()]);
    try {
      const result = await compareReadModels(liveClient, rebuiltClient);
      expect(result.differences).toBe(2);
      expect(tableOf(result.tables, 'accounts').listed).toEqual([
        {
          kind: 'changed',
          key: { account_id: ids.bob },
          columns: [{ column: 'balance_minor', live: '9007199254740993', rebuilt: '9007199254740992' }],
        },
      ]);
      expect(tableOf(result.tables, 'transactions').listed).toEqual([
        {
          kind: 'changed',
          key: { transaction_id: ids.topup },
          columns: [
            {
              column: 'occurred_at',
              live: '2025-12-01T10:00:01.123456Z',
              rebuilt: '2025-12-01T10:00:01.123457Z',
            },
          ],
        },
      ]);
    } finally {
      liveClient.release();
      rebuiltClient.release();
    }
  });

  it('merges tables larger than a page, with the pages of the two sides out of step', async () => {
    const accounts = `INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at)
      SELECT md5('account' || i)::uuid, md5('customer' || i)::uuid, 'EUR', 'active', i, 1,
             timestamptz '2025-12-01T00:00:00Z' + i * interval '1 second', now()
        FROM generate_series(1, 12000) AS i`;
    await Promise.all([live.pool.query(accounts), rebuilt.pool.query(accounts)]);
    const nthAccount = async (n: number) =>
      (
        await live.pool.query<{ account_id: string }>(
          'SELECT account_id FROM accounts ORDER BY account_id OFFSET $1 LIMIT 1',
          [n - 1],
        )
      ).rows[0]?.account_id ?? '';
    const [thousandth, fiveThousandth, last] = await Promise.all([
      nthAccount(1000),
      nthAccount(5000),
      nthAccount(12000),
    ]);
    const first = '00000000-0000-4000-8000-000000000000';
    const beyond = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
    const add = (pool: Pool, accountId: string) =>
      pool.query(
        `INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at)
         VALUES ($1, $2, 'EUR', 'active', 0, 1, '2025-12-02T00:00:00Z', now())`,
        [accountId, randomUUID()],
      );
    await live.pool.query('DELETE FROM accounts WHERE account_id = $1', [thousandth]);
    await add(live.pool, beyond);
    await rebuilt.pool.query('DELETE FROM accounts WHERE account_id = $1', [fiveThousandth]);
    await rebuilt.pool.query('UPDATE accounts SET balance_minor = balance_minor + 1 WHERE account_id = $1', [
      last,
    ]);
    await add(rebuilt.pool, first);
    const lastBalance = (
      await live.pool.query<{ balance: string }>(
        'SELECT balance_minor::text AS balance FROM accounts WHERE account_id = $1',
        [last],
      )
    ).rows[0]?.balance;

    // Counts the live side's queries of accounts: 12,000 rows in pages of 1,000 are 13 queries.
    let accountQueries = 0;
    const countedLive: Queryable = {
      query: (text, values) => {
        if (text.includes('FROM accounts')) accountQueries += 1;
        return live.pool.query(text, values as unknown[]);
      },
    };
    const result = await compareReadModels(countedLive, rebuilt.pool, { pageSize: 1_000 });
    expect(accountQueries).toBe(13);
    const compared = tableOf(result.tables, 'accounts');
    expect(compared).toMatchObject({ liveRows: 12_000, rebuiltRows: 12_000, differences: 5 });
    expect(compared.listed.map((difference) => [difference.kind, difference.key.account_id])).toEqual([
      ['only-in-rebuilt', first],
      ['only-in-rebuilt', thousandth],
      ['only-in-live', fiveThousandth],
      ['changed', last],
      ['only-in-live', beyond],
    ]);
    expect(compared.listed[3]).toEqual({
      kind: 'changed',
      key: { account_id: last },
      columns: [{ column: 'balance_minor', live: lastBalance, rebuilt: String(Number(lastBalance) + 1) }],
    });
    expect(result.differences).toBe(5);

    const capped = await compareReadModels(live.pool, rebuilt.pool, { pageSize: 777, listedPerTable: 2 });
    expect(tableOf(capped.tables, 'accounts')).toMatchObject({
      liveRows: 12_000,
      rebuiltRows: 12_000,
      differences: 5,
      listed: [
        expect.objectContaining({ key: { account_id: first } }),
        expect.objectContaining({ key: { account_id: thousandth } }),
      ],
    });
  });
});
