import type { Pool } from 'pg';
import { onDatabase } from './dependency-errors';
import type { IdempotencyRecord, IdempotencyStore } from './types';

interface KeyRow {
  request_hash: string;
  event_id: string;
  response_status: number | null;
  response_body: unknown;
}

const recordOfRow = (row: KeyRow): IdempotencyRecord => ({
  requestHash: row.request_hash,
  eventId: row.event_id,
  answer: row.response_status === null ? null : { statusCode: row.response_status, body: row.response_body },
});

const SELECT_KEY = `SELECT request_hash, event_id, response_status, response_body
  FROM api_idempotency_keys WHERE principal = $1 AND idempotency_key = $2`;

/** Idempotency-Keys in PostgreSQL (`api_idempotency_keys`). */
export function postgresIdempotencyStore(pool: () => Promise<Pool>): IdempotencyStore {
  return {
    find: (principal, key) =>
      onDatabase(async () => {
        const { rows } = await (await pool()).query<KeyRow>(SELECT_KEY, [principal, key]);
        return rows[0] ? recordOfRow(rows[0]) : null;
      }),

    reserve: (principal, key, entry) =>
      onDatabase(async () => {
        // One statement: our row if the key is new, else the row of whoever was first.
        const { rows } = await (await pool()).query<KeyRow & { reserved_now: boolean }>(
          `WITH inserted AS (
             INSERT INTO api_idempotency_keys (principal, idempotency_key, operation, request_hash, event_id,
                                               aggregate_id, created_at, accepted_body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (principal, idempotency_key) DO NOTHING
             RETURNING request_hash, event_id, response_status, response_body)
           SELECT *, true AS reserved_now FROM inserted
           UNION ALL
           SELECT request_hash, event_id, response_status, response_body, false AS reserved_now
             FROM api_idempotency_keys WHERE principal = $1 AND idempotency_key = $2
           LIMIT 1`,
          [
            principal,
            key,
            entry.operation,
            entry.requestHash,
            entry.eventId,
            entry.aggregateId,
            entry.now,
            JSON.stringify(entry.acceptedBody),
          ],
        );
        const [row] = rows;
        if (row) return { ...recordOfRow(row), reservedNow: row.reserved_now };
        // The first request committed the key after this statement's snapshot: read it now.
        const { rows: committed } = await (await pool()).query<KeyRow>(SELECT_KEY, [principal, key]);
        if (!committed[0]) throw new Error(`Idempotency-Key ${key} neither inserted nor found`);
        return { ...recordOfRow(committed[0]), reservedNow: false };
      }),

    complete: (principal, key, answer, now) =>
      onDatabase(async () => {
        await (await pool()).query(
          `UPDATE api_idempotency_keys SET response_status = $3, response_body = $4, completed_at = $5
            WHERE principal = $1 AND idempotency_key = $2 AND response_status IS NULL`,
          [principal, key, answer.statusCode, JSON.stringify(answer.body), now],
        );
      }),
  };
}
