import type { Pool } from 'pg';

/** How long a reserved key may wait for its request's own answer before the sweep answers it. */
export const UNANSWERED_KEY_AGE_MS = 60_000;

/**
 * Answers the Idempotency-Keys whose request ended between the append and the stored answer (a
 * crash, a Lambda timeout, a lost connection) and whose caller never retried: a key reserved more
 * than `olderThanMs` ago, still without an answer, whose event one of `consumers` has recorded
 * (a processed marker: the event is in the log, applied or dead-lettered) gets the 202 its request
 * would have given (kept at reservation). A key whose event no consumer has recorded stays open: a
 * retry appends the same event id, applied once. Returns how many keys were answered.
 */
export async function answerAppendedKeys(
  pool: Pool,
  consumers: readonly string[],
  options: { readonly now: Date; readonly olderThanMs?: number; readonly limit?: number },
): Promise<number> {
  const cutoff = new Date(options.now.getTime() - (options.olderThanMs ?? UNANSWERED_KEY_AGE_MS));
  const { rowCount } = await pool.query(
    `UPDATE api_idempotency_keys k
        SET response_status = 202, response_body = k.accepted_body, completed_at = $1
      WHERE (k.principal, k.idempotency_key) IN (
              SELECT u.principal, u.idempotency_key FROM api_idempotency_keys u
               WHERE u.response_status IS NULL AND u.accepted_body IS NOT NULL AND u.created_at < $2
                 AND EXISTS (SELECT 1 FROM processed_events p
                              WHERE p.consumer = ANY ($3::text[]) AND p.event_id = u.event_id)
               ORDER BY u.created_at LIMIT $4)
        AND k.response_status IS NULL`,
    [options.now, cutoff, consumers, options.limit ?? 1_000],
  );
  return rowCount ?? 0;
}
