import type { Pool } from 'pg';
import type { AccountStatus, Currency, RejectionReason } from '../../schemas';
import { DeadLetterStatus } from '../dead-letter/constants';
import { onDatabase } from './dependency-errors';
import { encodeCursor } from './pagination';
import type {
  AccountRecord,
  BillingReadModel,
  DeadLetterCounts,
  PageCursor,
  TransactionKind,
  TransactionPage,
  TransactionView,
  TransferStatus,
  TransferView,
} from './types';

// Times are read as text in UTC with microseconds, so that a page cursor names a row exactly
// (a JavaScript Date keeps milliseconds only).
const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** ISO-8601 with milliseconds, as every event's occurredAt is written. */
const isoMillis = (text: string): string => `${text.slice(0, 23)}Z`;
const isoOrNull = (text: string | null): string | null => (text === null ? null : isoMillis(text));

interface AccountRow {
  account_id: string;
  customer_id: string;
  status: AccountStatus;
  currency: Currency;
  balance_minor: string;
  version: string;
  opened_at: string;
  updated_at: string;
  owner_principal: string | null;
}

interface TransactionRow {
  transaction_id: string;
  account_id: string;
  kind: TransactionKind;
  amount_minor: string;
  currency: Currency;
  status: 'applied' | 'rejected';
  rejection_reason: RejectionReason | null;
  balance_after_minor: string | null;
  original_transaction_id: string | null;
  transfer_id: string | null;
  reversed_minor: string;
  occurred_at: string;
}

interface TransferRow {
  transfer_id: string;
  from_account_id: string;
  to_account_id: string;
  amount_minor: string;
  currency: Currency;
  status: TransferStatus;
  step: string;
  reason: RejectionReason | null;
  compensated: boolean;
  requested_at: string;
  updated_at: string;
  finished_at: string | null;
}

const TRANSACTION_COLUMNS = `transaction_id, account_id, kind, amount_minor::text AS amount_minor, currency, status,
  rejection_reason, balance_after_minor::text AS balance_after_minor, original_transaction_id, transfer_id,
  reversed_minor::text AS reversed_minor, ${utc('occurred_at')} AS occurred_at`;

const accountOfRow = (row: AccountRow): AccountRecord => ({
  accountId: row.account_id,
  customerId: row.customer_id,
  status: row.status,
  currency: row.currency,
  balance: { minorUnits: row.balance_minor, currency: row.currency },
  version: Number(row.version),
  openedAt: isoMillis(row.opened_at),
  updatedAt: isoMillis(row.updated_at),
  owner: row.owner_principal,
});

const transactionOfRow = (row: TransactionRow): TransactionView => ({
  transactionId: row.transaction_id,
  accountId: row.account_id,
  kind: row.kind,
  amount: { minorUnits: row.amount_minor, currency: row.currency },
  status: row.status,
  rejectionReason: row.rejection_reason,
  balanceAfter:
    row.balance_after_minor === null ? null : { minorUnits: row.balance_after_minor, currency: row.currency },
  originalTransactionId: row.original_transaction_id,
  transferId: row.transfer_id,
  reversed: { minorUnits: row.reversed_minor, currency: row.currency },
  occurredAt: isoMillis(row.occurred_at),
});

const transferOfRow = (row: TransferRow): TransferView => ({
  transferId: row.transfer_id,
  fromAccountId: row.from_account_id,
  toAccountId: row.to_account_id,
  amount: { minorUnits: row.amount_minor, currency: row.currency },
  status: row.status,
  step: row.step,
  reason: row.reason,
  compensated: row.compensated,
  requestedAt: isoMillis(row.requested_at),
  updatedAt: isoMillis(row.updated_at),
  finishedAt: isoOrNull(row.finished_at),
});

/** The API's queries of the PostgreSQL read model (accounts, transactions, transfers, dead letters). */
export function postgresReadModel(pool: () => Promise<Pool>): BillingReadModel {
  return {
    accounts: (accountIds) =>
      onDatabase(async () => {
        if (accountIds.length === 0) return new Map();
        const { rows } = await (await pool()).query<AccountRow>(
          `SELECT account_id, customer_id, status, currency, balance_minor::text AS balance_minor,
                  version::text AS version, ${utc('opened_at')} AS opened_at, ${utc('updated_at')} AS updated_at,
                  owner_principal
             FROM accounts WHERE account_id = ANY($1::uuid[])`,
          [accountIds],
        );
        return new Map(rows.map((row) => [row.account_id, accountOfRow(row)]));
      }),

    accountTransactions: (accountId, page) =>
      onDatabase(async (): Promise<TransactionPage> => {
        const after: PageCursor | null = page.after;
        // One more than the page: whether there is a next page without a count.
        const { rows } = await (await pool()).query<TransactionRow & { cursor_at: string }>(
          `SELECT ${TRANSACTION_COLUMNS}, ${utc('occurred_at')} AS cursor_at
             FROM transactions
            WHERE account_id = $1
              AND ($2::timestamptz IS NULL OR (occurred_at, transaction_id) < ($2::timestamptz, $3::uuid))
            ORDER BY occurred_at DESC, transaction_id DESC
            LIMIT $4`,
          [accountId, after?.occurredAt ?? null, after?.transactionId ?? null, page.limit + 1],
        );
        const items = rows.slice(0, page.limit);
        const last = items.at(-1);
        return {
          items: items.map(transactionOfRow),
          nextCursor:
            rows.length > page.limit && last
              ? encodeCursor({ occurredAt: last.cursor_at, transactionId: last.transaction_id })
              : null,
        };
      }),

    transaction: (transactionId) =>
      onDatabase(async () => {
        const { rows } = await (await pool()).query<TransactionRow>(
          `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = $1`,
          [transactionId],
        );
        return rows[0] ? transactionOfRow(rows[0]) : null;
      }),

    transfer: (transferId) =>
      onDatabase(async () => {
        const { rows } = await (await pool()).query<TransferRow>(
          `SELECT transfer_id, from_account_id, to_account_id, amount_minor::text AS amount_minor, currency,
                  status, step, reason, compensated, ${utc('requested_at')} AS requested_at,
                  ${utc('updated_at')} AS updated_at, ${utc('finished_at')} AS finished_at
             FROM transfers WHERE transfer_id = $1`,
          [transferId],
        );
        return rows[0] ? transferOfRow(rows[0]) : null;
      }),

    deadLetterCounts: () =>
      onDatabase(async (): Promise<DeadLetterCounts> => {
        const { rows } = await (await pool()).query<{ status: DeadLetterStatus; letters: string }>(
          'SELECT status, count(*)::text AS letters FROM dead_letters GROUP BY status',
        );
        const counts = Object.fromEntries(
          Object.values(DeadLetterStatus).map((status) => [status, 0]),
        ) as Record<DeadLetterStatus, number>;
        for (const row of rows) counts[row.status] = Number(row.letters);
        return counts;
      }),
  };
}
