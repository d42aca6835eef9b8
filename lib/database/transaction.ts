import type { Pool, PoolClient } from 'pg';

/** Bounds on one transaction's statements and lock waits (SET LOCAL: they end with the transaction). */
export interface TransactionTimeouts {
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
}

/**
 * Timeouts for work done under a lease of `leaseMs`: a statement or a lock wait may take a tenth
 * of the lease (at most a minute), so a stuck attempt fails long before its lease runs out.
 * Undefined without a lease: no bound beyond the server's.
 */
export function transactionTimeoutsOf(leaseMs: number | undefined): TransactionTimeouts | undefined {
  if (leaseMs === undefined) return undefined;
  const bound = Math.max(1_000, Math.min(60_000, Math.floor(leaseMs / 10)));
  return { statementTimeoutMs: bound, lockTimeoutMs: bound };
}

/**
 * Runs `work` in a transaction on a pooled client; rolls back and discards the client on failure.
 * With `timeouts`, each statement and lock wait of the transaction is bounded.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  timeouts?: TransactionTimeouts,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client emits 'error' when the server goes away mid-transaction: without a
  // listener that would crash the process. The pending query rejects too, and that is what fails.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    if (timeouts) {
      await client.query(
        `SET LOCAL statement_timeout = ${Math.trunc(timeouts.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.trunc(timeouts.lockTimeoutMs)}`,
      );
    }
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    // A client whose transaction failed may hold a dead connection: do not reuse it.
    client.release(broken);
  }
}
