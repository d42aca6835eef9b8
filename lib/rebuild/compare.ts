/**
 * The comparison of `npm run rebuild -- --compare`: two read-model databases (the same schema,
 * the project's migrations), the live one and one rebuilt from the Kafka log, compared table by
 * table, every difference reported.
 *
 * Compared, key first (`compare-tables.ts`):
 *   accounts        account_id: customer_id, currency, status, balance_minor, version, opened_at
 *   transactions    transaction_id: account_id, kind, amount_minor, currency, status,
 *                   rejection_reason, balance_after_minor, original_transaction_id, transfer_id,
 *                   reversed_minor, event_id, occurred_at
 *   ledger_entries  (transaction_id, ledger_account): account_id, amount_minor, currency
 *   transfers       transfer_id: from_account_id, to_account_id, amount_minor, currency, status,
 *                   step, reason, compensated, requested_at, finished_at
 * Not compared: the `updated_at` columns, transactions' source_partition/source_offset, transfers'
 * correlation_id, processed_events, the outbox, dead letters and the API's idempotency keys. They
 * are the bookkeeping of how the live database got its rows (when, from which record, what it
 * published or parked, which requests it answered), not the model; a rebuild writes its own.
 *
 * A difference is a row on one side only, or a key on both sides whose columns differ (each
 * column named with both values). Values are compared as the text PostgreSQL gives: bigint amounts
 * as decimal text (never JavaScript numbers), timestamps in UTC to the microsecond.
 *
 * Each table is read from both sides in keyset pages in key order (`pageSize` rows a query, the
 * next page read while one is merged) and merge-compared in Node (the two databases cannot see
 * each other: no dblink or postgres_fdw), so memory holds a page per side and the first
 * `listedPerTable` differences of a table, whatever its size; the counts cover every row and
 * difference. Given a pg Pool, a side is read in one REPEATABLE READ, READ ONLY transaction: every
 * table from the same snapshot while the live projectors go on writing. Given another Queryable
 * (a client), its queries run as they come: the caller holds the snapshot. One pool given for
 * both sides needs two free connections (a transaction each).
 *
 * A CLI prints `formatComparison(result)` and exits 1 when `result.differences` is not 0.
 */
import { Pool } from 'pg';
import { inTransaction } from '../database';
import { compareSortedPages, ReadModelComparisonError } from './compare-merge';
import { COMPARED_TABLES, pageQuery } from './compare-tables';
import type { ComparedRow, ComparedTable, CompareOptions, ReadModelComparison } from './compare-types';

export { ReadModelComparisonError } from './compare-merge';
export { differenceLine, formatComparison } from './compare-report';
export { COMPARED_TABLES } from './compare-tables';
export type * from './compare-types';

/** Rows read per query and side. */
export const COMPARE_PAGE_SIZE = 5_000;
/** Differences listed per table; the count covers them all. */
export const COMPARE_LISTED_PER_TABLE = 100;

/** Anything that runs a parameterised query: a pg Pool or a client (structurally lib/outbox's). */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * A table's rows in keyset pages, in key order. The next page is asked for as soon as a full page
 * arrives, so the database reads it while this one is merged.
 */
async function* pagesOf(
  db: Queryable,
  table: ComparedTable,
  pageSize: number,
): AsyncGenerator<readonly ComparedRow[]> {
  const read = async (after: ComparedRow | undefined): Promise<readonly ComparedRow[]> => {
    const values =
      after === undefined ? [pageSize] : [...table.key.map((column) => after[column.name]), pageSize];
    return (await db.query<ComparedRow>(pageQuery(table, after !== undefined), values)).rows;
  };
  let next = read(undefined);
  for (;;) {
    const page = await next;
    const last = page.length === pageSize ? page.at(-1) : undefined;
    if (last !== undefined) {
      next = read(last);
      // Awaited on the next turn; if the merge stops first, its failure must not go unhandled.
      next.catch(() => undefined);
    }
    yield page;
    if (last === undefined) return;
  }
}

/** Runs `work` on one snapshot of the database when given a pool; on the Queryable as is otherwise. */
async function onSnapshot<T>(db: Pool | Queryable, work: (db: Queryable) => Promise<T>): Promise<T> {
  if (!(db instanceof Pool)) return work(db);
  return inTransaction(db, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return work(client);
  });
}

const atLeast = (least: number, name: string, value: number): number => {
  if (!Number.isInteger(value) || value < least)
    throw new ReadModelComparisonError(`${name} must be an integer of at least ${least}, not ${value}`);
  return value;
};

/**
 * Compares the live read model with a rebuilt one, table by table (see the top of this file).
 * Rejects with the database's error when a side cannot be read, and with a
 * ReadModelComparisonError when a side's rows do not come in key order.
 */
export async function compareReadModels(
  live: Pool | Queryable,
  rebuilt: Pool | Queryable,
  options: CompareOptions = {},
): Promise<ReadModelComparison> {
  const pageSize = atLeast(1, 'pageSize', options.pageSize ?? COMPARE_PAGE_SIZE);
  const listedPerTable = atLeast(0, 'listedPerTable', options.listedPerTable ?? COMPARE_LISTED_PER_TABLE);
  return onSnapshot(live, (liveDb) =>
    onSnapshot(rebuilt, async (rebuiltDb) => {
      const tables = [];
      for (const table of COMPARED_TABLES) {
        tables.push(
          await compareSortedPages(
            table,
            pagesOf(liveDb, table, pageSize),
            pagesOf(rebuiltDb, table, pageSize),
            listedPerTable,
          ),
        );
      }
      return { tables, differences: tables.reduce((sum, table) => sum + table.differences, 0) };
    }),
  );
}
