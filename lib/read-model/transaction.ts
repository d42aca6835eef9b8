import type { Pool, PoolClient } from 'pg';

/** Runs `work` in a transaction on a pooled client; rolls back and discards the client on failure. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
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
