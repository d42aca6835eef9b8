import { COMPARED_TABLES, type ComparedRow, type ComparedTableName, formatComparison } from './compare';
import { compareSortedPages, ReadModelComparisonError } from './compare-merge';
import { pageQuery } from './compare-tables';

const tableNamed = (name: ComparedTableName) => {
  const table = COMPARED_TABLES.find((candidate) => candidate.name === name);
  if (!table) throw new Error(`no table ${name}`);
  return table;
};
const accounts = tableNamed('accounts');
const ledgerEntries = tableNamed('ledger_entries');

/** The n-th uuid in PostgreSQL's uuid order (hex digits past 9 included). */
const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const account = (n: number, changes: Partial<Record<string, string | null>> = {}): ComparedRow => ({
  account_id: id(n),
  customer_id: id(1000 + n),
  currency: 'EUR',
  status: 'active',
  balance_minor: '1200',
  version: '3',
  opened_at: '2025-12-01T10:00:00.000000Z',
  ...changes,
});

const entry = (transaction: number, ledgerAccount: string, amount: string): ComparedRow => ({
  transaction_id: id(transaction),
  ledger_account: ledgerAccount,
  account_id: ledgerAccount.startsWith('customer:') ? ledgerAccount.slice('customer:'.length) : null,
  amount_minor: amount,
  currency: 'EUR',
});

/** The rows as the reader hands them over: pages of `size` rows. */
async function* paged(rows: readonly ComparedRow[], size: number): AsyncGenerator<readonly ComparedRow[]> {
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}

describe('compareSortedPages: the merge of two sorted row streams', () => {
  it('finds nothing when both sides hold the same rows, whatever their pages', async () => {
    const rows = Array.from({ length: 20 }, (_, n) => account(n));
    const result = await compareSortedPages(accounts, paged(rows, 3), paged(rows, 7), 100);
    expect(result).toEqual({ table: 'accounts', liveRows: 20, rebuiltRows: 20, differences: 0, listed: [] });
  });

  it('reports rows on one side only and differing columns with both values, in key order', async () => {
    const live = [account(1), account(2), account(9), account(10, { balance_minor: '9007199254740993' })];
    const rebuilt = [
      account(2, { status: 'suspended', version: '4' }),
      account(9),
      account(10, { balance_minor: '9007199254740992' }),
      account(11),
    ];
    const result = await compareSortedPages(accounts, paged(live, 2), paged(rebuilt, 3), 100);
    expect(result.liveRows).toBe(4);
    expect(result.rebuiltRows).toBe(4);
    expect(result.differences).toBe(4);
    expect(result.listed).toEqual([
      {
        kind: 'only-in-live',
        key: { account_id: id(1) },
        values: {
          customer_id: id(1001),
          currency: 'EUR',
          status: 'active',
          balance_minor: '1200',
          version: '3',
          opened_at: '2025-12-01T10:00:00.000000Z',
        },
      },
      {
        kind: 'changed',
        key: { account_id: id(2) },
        columns: [
          { column: 'status', live: 'active', rebuilt: 'suspended' },
          { column: 'version', live: '3', rebuilt: '4' },
        ],
      },
      {
        kind: 'changed',
        key: { account_id: id(10) },
        columns: [{ column: 'balance_minor', live: '9007199254740993', rebuilt: '9007199254740992' }],
      },
      expect.objectContaining({ kind: 'only-in-rebuilt', key: { account_id: id(11) } }),
    ]);
  });

  it('tells a NULL from a value', async () => {
    const result = await compareSortedPages(
      ledgerEntries,
      paged([entry(1, 'external:EUR', '-5')], 1),
      paged([{ ...entry(1, 'external:EUR', '-5'), account_id: id(7) }], 1),
      100,
    );
    expect(result.listed).toEqual([
      {
        kind: 'changed',
        key: { transaction_id: id(1), ledger_account: 'external:EUR' },
        columns: [{ column: 'account_id', live: null, rebuilt: id(7) }],
      },
    ]);
  });

  it("matches a transaction's entries by their whole key, in any order and across pages", async () => {
    const customer = `customer:${id(50)}`;
    // The entries of one transaction come in the order of the database's collation, which may
    // differ between the two servers: only the transaction id's order is relied on.
    const live = [
      entry(1, customer, '100'),
      entry(1, 'external:EUR', '-100'),
      entry(2, customer, '-40'),
      entry(2, 'external:EUR', '40'),
      entry(3, customer, '7'),
      entry(3, 'transfers-in-flight:EUR', '-7'),
    ];
    const rebuilt = [
      entry(1, 'external:EUR', '-100'),
      entry(1, customer, '100'),
      entry(2, 'external:EUR', '40'),
      entry(3, 'transfers-in-flight:EUR', '-8'),
      entry(3, customer, '8'),
    ];
    const result = await compareSortedPages(ledgerEntries, paged(live, 1), paged(rebuilt, 2), 100);
    expect(result.liveRows).toBe(6);
    expect(result.rebuiltRows).toBe(5);
    expect(result.listed).toEqual([
      expect.objectContaining({
        kind: 'only-in-live',
        key: { transaction_id: id(2), ledger_account: customer },
        values: { account_id: id(50), amount_minor: '-40', currency: 'EUR' },
      }),
      {
        kind: 'changed',
        key: { transaction_id: id(3), ledger_account: customer },
        columns: [{ column: 'amount_minor', live: '7', rebuilt: '8' }],
      },
      {
        kind: 'changed',
        key: { transaction_id: id(3), ledger_account: 'transfers-in-flight:EUR' },
        columns: [{ column: 'amount_minor', live: '-7', rebuilt: '-8' }],
      },
    ]);
  });

  it('lists the first differences only and counts them all', async () => {
    const live = Array.from({ length: 30 }, (_, n) => account(n));
    const rebuilt = live.map((row) => ({ ...row, version: '4' }));
    const result = await compareSortedPages(accounts, paged(live, 4), paged(rebuilt, 4), 5);
    expect(result.differences).toBe(30);
    expect(result.listed.map((difference) => difference.key.account_id)).toEqual([0, 1, 2, 3, 4].map(id));
  });

  it('refuses rows out of key order rather than report rows missing that are not', async () => {
    const unsorted = [account(2), account(1)];
    await expect(compareSortedPages(accounts, paged(unsorted, 1), paged([], 1), 100)).rejects.toThrow(
      ReadModelComparisonError,
    );
    await expect(compareSortedPages(accounts, paged([], 1), paged(unsorted, 5), 100)).rejects.toThrow(
      /accounts: the rebuilt rows are not in key order/,
    );
  });
});

describe('formatComparison', () => {
  it('prints counts per table, each listed difference, how many more, and the verdict', () => {
    const lines = formatComparison({
      differences: 104,
      tables: [
        {
          table: 'accounts',
          liveRows: 1234,
          rebuiltRows: 1234,
          differences: 1,
          listed: [
            {
              kind: 'changed',
              key: { account_id: id(5) },
              columns: [
                { column: 'balance_minor', live: '1200', rebuilt: '1500' },
                { column: 'version', live: '3', rebuilt: '4' },
              ],
            },
          ],
        },
        { table: 'transactions', liveRows: 0, rebuiltRows: 0, differences: 0, listed: [] },
        {
          table: 'ledger_entries',
          liveRows: 2,
          rebuiltRows: 1,
          differences: 1,
          listed: [
            {
              kind: 'only-in-live',
              key: { transaction_id: id(6), ledger_account: 'external:EUR' },
              values: { account_id: null, amount_minor: '-100', currency: 'EUR' },
            },
          ],
        },
        {
          table: 'transfers',
          liveRows: 1_000_000,
          rebuiltRows: 1_000_001,
          differences: 102,
          listed: [
            {
              kind: 'only-in-rebuilt',
              key: { transfer_id: id(7) },
              values: { status: 'failed', reason: 'insufficient_funds' },
            },
            {
              kind: 'changed',
              key: { transfer_id: id(8) },
              columns: [{ column: 'finished_at', live: null, rebuilt: '2025-12-01T10:00:00.000001Z' }],
            },
          ],
        },
      ],
    });
    expect(lines).toEqual([
      'accounts: 1,234 live, 1,234 rebuilt, 1 difference',
      `  accounts ${id(5)}: balance_minor live 1200, rebuilt 1500; version live 3, rebuilt 4`,
      'transactions: 0 live, 0 rebuilt, 0 differences',
      'ledger_entries: 2 live, 1 rebuilt, 1 difference',
      `  ledger_entries (${id(6)}, external:EUR): only in live (account_id null, amount_minor -100, currency EUR)`,
      'transfers: 1,000,000 live, 1,000,001 rebuilt, 102 differences',
      `  transfers ${id(7)}: only in rebuilt (status failed, reason insufficient_funds)`,
      `  transfers ${id(8)}: finished_at live null, rebuilt 2025-12-01T10:00:00.000001Z`,
      '  … and 100 more differences',
      'the read models differ: 104 differences',
    ]);
  });

  it('says the read models match when nothing differs', () => {
    expect(
      formatComparison({
        differences: 0,
        tables: [{ table: 'accounts', liveRows: 1, rebuiltRows: 1, differences: 0, listed: [] }],
      }),
    ).toEqual(['accounts: 1 live, 1 rebuilt, 0 differences', 'the read models match']);
  });
});

describe('pageQuery', () => {
  it("orders and pages by the table's own key columns, not the text ones it selects", () => {
    expect(pageQuery(ledgerEntries, false)).toMatch(
      /FROM ledger_entries ORDER BY ledger_entries\.transaction_id, ledger_entries\.ledger_account LIMIT \$1$/,
    );
    expect(pageQuery(ledgerEntries, true)).toMatch(
      /WHERE \(ledger_entries\.transaction_id, ledger_entries\.ledger_account\) > \(\$1::uuid, \$2::text\) ORDER BY .* LIMIT \$3$/,
    );
  });
});
