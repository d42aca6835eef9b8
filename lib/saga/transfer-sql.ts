import type { Currency, RejectionReason, SagaEvent } from '../../schemas';
import type { Queryable } from '../database';
import type { WriteBatch } from '../projection/write-batch';
import type { TransferStatus } from './constants';
import type { TransferState } from './types';

// The set-based reads and writes of the `transfers` table. Amounts are bigint minor units, as
// decimal strings on the wire.

interface TransferRow extends Record<string, unknown> {
  transfer_id: string;
  from_account_id: string;
  to_account_id: string;
  amount_minor: string;
  currency: string;
  status: string;
  step: string;
  reason: string | null;
  compensated: boolean;
  correlation_id: string;
  requested_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** Loads and locks transfers by id, in sorted order. Times come back as ISO-8601 UTC text. */
export async function lockTransfers(
  db: Queryable,
  transferIds: readonly string[],
): Promise<Map<string, TransferState>> {
  const states = new Map<string, TransferState>();
  if (transferIds.length === 0) return states;
  const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const { rows } = await db.query<TransferRow>(
    `SELECT transfer_id, from_account_id, to_account_id, amount_minor::text AS amount_minor, currency, status, step,
            reason, compensated, correlation_id, ${utc('requested_at')} AS requested_at,
            ${utc('updated_at')} AS updated_at, ${utc('finished_at')} AS finished_at
       FROM transfers WHERE transfer_id = ANY($1::uuid[]) ORDER BY transfer_id FOR UPDATE`,
    [[...new Set(transferIds)].sort()],
  );
  for (const row of rows) {
    states.set(row.transfer_id, {
      transferId: row.transfer_id,
      fromAccountId: row.from_account_id,
      toAccountId: row.to_account_id,
      amount: BigInt(row.amount_minor),
      currency: row.currency as Currency,
      status: row.status as TransferStatus,
      step: row.step as SagaEvent['eventType'],
      reason: row.reason as RejectionReason | null,
      compensated: row.compensated,
      correlationId: row.correlation_id,
      requestedAt: row.requested_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
    });
  }
  return states;
}

/** The currencies of the accounts already in the read model (an account's currency never changes). */
export async function accountCurrencies(
  db: Queryable,
  accountIds: readonly string[],
): Promise<Map<string, Currency>> {
  const currencies = new Map<string, Currency>();
  if (accountIds.length === 0) return currencies;
  const { rows } = await db.query<{ account_id: string; currency: string }>(
    'SELECT account_id, currency FROM accounts WHERE account_id = ANY($1::uuid[])',
    [[...new Set(accountIds)]],
  );
  for (const row of rows) currencies.set(row.account_id, row.currency as Currency);
  return currencies;
}

/** Inserts or updates transfers in their final state of the batch (one row per transfer). */
export function upsertTransfers(writes: WriteBatch, states: readonly TransferState[]): void {
  if (states.length === 0) return;
  const records = states.map((s) => ({
    transfer_id: s.transferId,
    from_account_id: s.fromAccountId,
    to_account_id: s.toAccountId,
    amount_minor: s.amount.toString(),
    currency: s.currency,
    status: s.status,
    step: s.step,
    reason: s.reason,
    compensated: s.compensated,
    correlation_id: s.correlationId,
    requested_at: s.requestedAt,
    updated_at: s.updatedAt,
    finished_at: s.finishedAt,
  }));
  writes.add(`INSERT INTO transfers (transfer_id, from_account_id, to_account_id, amount_minor, currency, status, step,
      reason, compensated, correlation_id, requested_at, updated_at, finished_at)
    SELECT * FROM ${writes.recordset(
      records,
      `transfer_id uuid, from_account_id uuid, to_account_id uuid, amount_minor bigint, currency text, status text,
       step text, reason text, compensated boolean, correlation_id uuid, requested_at timestamptz,
       updated_at timestamptz, finished_at timestamptz`,
    )}
    ON CONFLICT (transfer_id) DO UPDATE SET status = EXCLUDED.status, step = EXCLUDED.step,
      reason = EXCLUDED.reason, compensated = EXCLUDED.compensated, updated_at = EXCLUDED.updated_at,
      finished_at = EXCLUDED.finished_at`);
}
