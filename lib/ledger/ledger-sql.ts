import type { AccountStatus, Currency } from '../../schemas';
import type { Queryable } from '../database';
import type { WriteBatch } from '../projection/write-batch';
import type { MovementKind, TransactionStatus } from './constants';
import type { AccountState, LedgerEntry, RecordedTransaction } from './types';

// The set-based reads and writes of the ledger read model. bigint columns come back as decimal
// strings from pg and go in as decimal strings: money never passes through a JS number.

interface AccountRow extends Record<string, unknown> {
  account_id: string;
  customer_id: string;
  currency: string;
  status: string;
  balance_minor: string;
  version: string;
}

/** Loads and locks accounts, in sorted id order (two batches never wait on each other in a cycle). */
export async function lockAccounts(
  db: Queryable,
  accountIds: readonly string[],
): Promise<Map<string, AccountState>> {
  const accounts = new Map<string, AccountState>();
  if (accountIds.length === 0) return accounts;
  const sorted = [...new Set(accountIds)].sort();
  const { rows } = await db.query<AccountRow>(
    `SELECT account_id, customer_id, currency, status, balance_minor, version FROM accounts
      WHERE account_id = ANY($1::uuid[]) ORDER BY account_id FOR UPDATE`,
    [sorted],
  );
  for (const row of rows) {
    accounts.set(row.account_id, {
      accountId: row.account_id,
      customerId: row.customer_id,
      currency: row.currency as Currency,
      status: row.status as AccountStatus,
      balance: BigInt(row.balance_minor),
      version: Number(row.version),
    });
  }
  return accounts;
}

interface TransactionRow extends Record<string, unknown> {
  transaction_id: string;
  account_id: string;
  kind: string;
  status: string;
  amount_minor: string;
  currency: string;
  transfer_id: string | null;
  reversed_minor: string;
}

const recordedOfRow = (row: TransactionRow): RecordedTransaction => ({
  transactionId: row.transaction_id,
  accountId: row.account_id,
  kind: row.kind as MovementKind,
  status: row.status as TransactionStatus,
  amount: BigInt(row.amount_minor),
  currency: row.currency as Currency,
  transferId: row.transfer_id,
  reversed: BigInt(row.reversed_minor),
});

/**
 * Loads recorded transactions by id (requests of the batch and the originals they refer to). One
 * primary-key probe per id (a lateral lookup): for `transaction_id = ANY(...)` over a batch's
 * thousand ids, PostgreSQL's default costs (random_page_cost 4) chose a sequential scan of the
 * whole table with a hashed list below a few hundred thousand rows: 12-17 ms a batch at 100,000
 * rows, and growing with the table, against 1.3-1.8 ms for the probes (docs/benchmarks.md).
 */
export async function loadTransactions(
  db: Queryable,
  transactionIds: readonly string[],
): Promise<Map<string, RecordedTransaction>> {
  const recorded = new Map<string, RecordedTransaction>();
  if (transactionIds.length === 0) return recorded;
  const { rows } = await db.query<TransactionRow>(
    `SELECT t.transaction_id, t.account_id, t.kind, t.status, t.amount_minor, t.currency, t.transfer_id, t.reversed_minor
       FROM unnest($1::uuid[]) AS wanted(id)
       CROSS JOIN LATERAL (SELECT * FROM transactions x WHERE x.transaction_id = wanted.id LIMIT 1) t`,
    [[...new Set(transactionIds)]],
  );
  for (const row of rows) recorded.set(row.transaction_id, recordedOfRow(row));
  return recorded;
}

/** The recorded legs of some transfers: each one's debit, and the transfers with an applied credit. */
export interface RecordedTransferLegs {
  readonly debits: Map<string, RecordedTransaction>;
  readonly credited: Set<string>;
}

/**
 * Locks and loads the debit and applied credit legs of the given transfers (sorted, after the
 * accounts): a credit and a compensation of one transfer, on different partitions, are decided
 * one after the other against the same debit row, never both on a stale read.
 */
export async function lockTransferLegs(
  db: Queryable,
  transferIds: readonly string[],
): Promise<RecordedTransferLegs> {
  const legs: RecordedTransferLegs = { debits: new Map(), credited: new Set() };
  if (transferIds.length === 0) return legs;
  const { rows } = await db.query<TransactionRow>(
    `SELECT transaction_id, account_id, kind, status, amount_minor, currency, transfer_id, reversed_minor
       FROM transactions
      WHERE transfer_id = ANY($1::uuid[])
        AND (kind = 'transfer_debit' OR (kind = 'transfer_credit' AND status = 'applied'))
      ORDER BY transaction_id FOR UPDATE`,
    [[...new Set(transferIds)].sort()],
  );
  for (const row of rows) {
    if (row.transfer_id === null) continue;
    if (row.kind === 'transfer_debit') legs.debits.set(row.transfer_id, recordedOfRow(row));
    else legs.credited.add(row.transfer_id);
  }
  return legs;
}

/** A transaction row to insert, with its outcome. */
export interface TransactionInsert {
  readonly recorded: RecordedTransaction;
  readonly rejectionReason: string | null;
  readonly balanceAfter: bigint | null;
  readonly originalTransactionId: string | null;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly partition: number;
  readonly offset: string;
}

const decimal = (value: bigint | null) => (value === null ? null : value.toString());

export function insertTransactions(writes: WriteBatch, rows: readonly TransactionInsert[]): void {
  if (rows.length === 0) return;
  const records = rows.map((r) => ({
    transaction_id: r.recorded.transactionId,
    account_id: r.recorded.accountId,
    kind: r.recorded.kind,
    amount_minor: decimal(r.recorded.amount),
    currency: r.recorded.currency,
    status: r.recorded.status,
    rejection_reason: r.rejectionReason,
    balance_after_minor: decimal(r.balanceAfter),
    original_transaction_id: r.originalTransactionId,
    transfer_id: r.recorded.transferId,
    reversed_minor: decimal(r.recorded.reversed),
    event_id: r.eventId,
    occurred_at: r.occurredAt,
    source_partition: r.partition,
    source_offset: r.offset,
  }));
  writes.add(`INSERT INTO transactions (transaction_id, account_id, kind, amount_minor, currency, status, rejection_reason,
      balance_after_minor, original_transaction_id, transfer_id, reversed_minor, event_id, occurred_at, source_partition, source_offset)
    SELECT * FROM ${writes.recordset(
      records,
      `transaction_id uuid, account_id uuid, kind text, amount_minor bigint, currency text, status text, rejection_reason text,
       balance_after_minor bigint, original_transaction_id uuid, transfer_id uuid, reversed_minor bigint, event_id uuid,
       occurred_at timestamptz, source_partition int, source_offset bigint`,
    )}`);
}

/** Sets what later movements took back of transactions recorded by earlier batches. */
export function updateReversed(writes: WriteBatch, originals: readonly RecordedTransaction[]): void {
  if (originals.length === 0) return;
  const records = originals.map((o) => ({ id: o.transactionId, reversed: decimal(o.reversed) }));
  writes.add(`UPDATE transactions t SET reversed_minor = r.reversed
    FROM ${writes.recordset(records, 'id uuid, reversed bigint')}
    WHERE t.transaction_id = r.id`);
}

export function insertEntries(
  writes: WriteBatch,
  entries: readonly { readonly transactionId: string; readonly entry: LedgerEntry }[],
): void {
  if (entries.length === 0) return;
  const records = entries.map((e) => ({
    transaction_id: e.transactionId,
    ledger_account: e.entry.ledgerAccount,
    account_id: e.entry.accountId,
    amount_minor: decimal(e.entry.amount),
    currency: e.entry.currency,
  }));
  writes.add(`INSERT INTO ledger_entries (transaction_id, ledger_account, account_id, amount_minor, currency)
    SELECT * FROM ${writes.recordset(
      records,
      'transaction_id uuid, ledger_account text, account_id uuid, amount_minor bigint, currency text',
    )}`);
}

/** Inserts accounts opened by the batch, in their final state. */
export function insertAccounts(
  writes: WriteBatch,
  accounts: readonly {
    readonly account: AccountState;
    readonly openedAt: string;
    readonly updatedAt: string;
    /** The principal that opened it (AccountOpened's ownerPrincipal), if the event named one. */
    readonly ownerPrincipal?: string | null;
  }[],
): void {
  if (accounts.length === 0) return;
  const records = accounts.map((a) => ({
    account_id: a.account.accountId,
    customer_id: a.account.customerId,
    currency: a.account.currency,
    status: a.account.status,
    balance_minor: decimal(a.account.balance),
    version: a.account.version,
    opened_at: a.openedAt,
    updated_at: a.updatedAt,
    owner_principal: a.ownerPrincipal ?? null,
  }));
  writes.add(`INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at, owner_principal)
    SELECT * FROM ${writes.recordset(
      records,
      `account_id uuid, customer_id uuid, currency text, status text, balance_minor bigint, version bigint,
       opened_at timestamptz, updated_at timestamptz, owner_principal text`,
    )}`);
}

/** One UPDATE for every account the batch changed: status, balance and version in their final state. */
export function updateAccounts(
  writes: WriteBatch,
  accounts: readonly { readonly account: AccountState; readonly updatedAt: string }[],
): void {
  if (accounts.length === 0) return;
  const records = accounts.map((a) => ({
    id: a.account.accountId,
    status: a.account.status,
    balance: decimal(a.account.balance),
    version: a.account.version,
    updated_at: a.updatedAt,
  }));
  writes.add(`UPDATE accounts a SET status = r.status, balance_minor = r.balance, version = r.version, updated_at = r.updated_at
    FROM ${writes.recordset(records, 'id uuid, status text, balance bigint, version bigint, updated_at timestamptz')}
    WHERE a.account_id = r.id`);
}
