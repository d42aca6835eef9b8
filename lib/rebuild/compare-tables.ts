import type { ComparedColumn, ComparedTable } from './compare-types';

// The tables of the read model that a rebuild must reproduce, and the columns that make up the
// model (lib/database/migrations). Left out everywhere: `updated_at` (when the live projector
// last wrote the row, not what it wrote) and the bookkeeping of how a database got its rows.

const uuid = (name: string) => ({ name, kind: 'uuid' }) as const;
const text = (name: string): ComparedColumn => ({ name, kind: 'text' });
const bigint = (name: string): ComparedColumn => ({ name, kind: 'bigint' });
const boolean = (name: string): ComparedColumn => ({ name, kind: 'boolean' });
const timestamp = (name: string): ComparedColumn => ({ name, kind: 'timestamp' });

/** The compared tables, in the order they are compared and reported. */
export const COMPARED_TABLES: readonly ComparedTable[] = [
  {
    name: 'accounts',
    key: [uuid('account_id')],
    columns: [
      uuid('customer_id'),
      text('currency'),
      text('status'),
      bigint('balance_minor'),
      bigint('version'),
      timestamp('opened_at'),
    ],
  },
  {
    name: 'transactions',
    key: [uuid('transaction_id')],
    // Not source_partition/source_offset: where the projector read the event, bookkeeping of how
    // the database got the row (the same event read from a restored or mirrored topic is the same
    // transaction).
    columns: [
      uuid('account_id'),
      text('kind'),
      bigint('amount_minor'),
      text('currency'),
      text('status'),
      text('rejection_reason'),
      bigint('balance_after_minor'),
      uuid('original_transaction_id'),
      uuid('transfer_id'),
      bigint('reversed_minor'),
      uuid('event_id'),
      timestamp('occurred_at'),
    ],
  },
  {
    name: 'ledger_entries',
    key: [uuid('transaction_id'), text('ledger_account')],
    columns: [uuid('account_id'), bigint('amount_minor'), text('currency')],
  },
  {
    name: 'transfers',
    key: [uuid('transfer_id')],
    // Not correlation_id: the request's tracing id, carried to the events the saga emits, not
    // the transfer's state (the API does not show it).
    columns: [
      uuid('from_account_id'),
      uuid('to_account_id'),
      bigint('amount_minor'),
      text('currency'),
      text('status'),
      text('step'),
      text('reason'),
      boolean('compensated'),
      timestamp('requested_at'),
      timestamp('finished_at'),
    ],
  },
];

/** A column as selected for comparison: as text, a timestamp in UTC to the microsecond. */
const selected = (column: ComparedColumn): string =>
  column.kind === 'timestamp'
    ? `to_char(${column.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${column.name}`
    : `${column.name}::text AS ${column.name}`;

/**
 * The query of one keyset page of a table, in key order. Parameters: the page size alone for the
 * first page; after it, the key of the previous page's last row (as text), then the page size.
 * The key columns are qualified by the table in WHERE and ORDER BY, so they are the table's own
 * (uuid) columns, not the text columns of the select list: the primary key index serves both. Pure.
 */
export function pageQuery(table: ComparedTable, afterKey: boolean): string {
  const select = [...table.key, ...table.columns].map(selected).join(', ');
  const keys = table.key.map((column) => `${table.name}.${column.name}`).join(', ');
  const after = table.key
    .map((column, index) => `$${index + 1}::${column.kind === 'uuid' ? 'uuid' : 'text'}`)
    .join(', ');
  const where = afterKey ? ` WHERE (${keys}) > (${after})` : '';
  const limit = afterKey ? `$${table.key.length + 1}` : '$1';
  return `SELECT ${select} FROM ${table.name}${where} ORDER BY ${keys} LIMIT ${limit}`;
}
