import type { Pool } from 'pg';

/**
 * The read model of a set of accounts as plain, comparable data (amounts as decimal strings), and
 * the ledger invariants checked with SQL.
 */
export async function readModelOf(
  pool: Pool,
  accountIds: readonly string[],
  otherKeys: readonly string[] = [],
) {
  const ids = [...accountIds];
  const accounts = await pool.query(
    `SELECT account_id, currency, status, balance_minor, version FROM accounts WHERE account_id = ANY($1::uuid[]) ORDER BY account_id`,
    [ids],
  );
  const transactions = await pool.query(
    `SELECT transaction_id, account_id, kind, amount_minor, currency, status, rejection_reason, balance_after_minor,
            original_transaction_id, transfer_id, reversed_minor, event_id
       FROM transactions WHERE account_id = ANY($1::uuid[]) ORDER BY transaction_id`,
    [ids],
  );
  const entries = await pool.query(
    `SELECT e.transaction_id, e.ledger_account, e.account_id, e.amount_minor, e.currency
       FROM ledger_entries e JOIN transactions t USING (transaction_id)
      WHERE t.account_id = ANY($1::uuid[]) ORDER BY e.transaction_id, e.ledger_account`,
    [ids],
  );
  const outbox = await pool.query(
    `SELECT event_id, topic, message_key, event_type, value FROM outbox WHERE message_key = ANY($1::text[]) ORDER BY event_id`,
    [[...ids, ...otherKeys]],
  );
  return {
    accounts: accounts.rows,
    transactions: transactions.rows,
    entries: entries.rows,
    outbox: outbox.rows.map((row) => ({ ...row, value: withoutTime(row.value as string) })),
  };
}

/** A dead letter's occurredAt is the time it was recorded; everything else is a function of the events. */
const withoutTime = (value: string) => {
  const event = JSON.parse(value) as { eventType: string; occurredAt?: string };
  if (event.eventType === 'DeadLetterRecorded') delete event.occurredAt;
  return event;
};

/** Rows breaking a ledger invariant (each query must return nothing). */
export async function invariantViolations(pool: Pool) {
  const unbalancedMovements = await pool.query(
    `SELECT transaction_id, currency, sum(amount_minor) AS total FROM ledger_entries
      GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0`,
  );
  const balanceNotSumOfEntries = await pool.query(
    `SELECT a.account_id, a.balance_minor, COALESCE(s.total, 0) AS entries_total
       FROM accounts a LEFT JOIN (SELECT account_id, sum(amount_minor) AS total FROM ledger_entries
                                    WHERE account_id IS NOT NULL GROUP BY account_id) s USING (account_id)
      WHERE a.balance_minor <> COALESCE(s.total, 0)`,
  );
  const negativeBalances = await pool.query('SELECT account_id FROM accounts WHERE balance_minor < 0');
  const appliedWithoutEntries = await pool.query(
    `SELECT t.transaction_id FROM transactions t
      WHERE (t.status = 'applied') <> EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.transaction_id)`,
  );
  return {
    unbalancedMovements: unbalancedMovements.rows,
    balanceNotSumOfEntries: balanceNotSumOfEntries.rows,
    negativeBalances: negativeBalances.rows,
    appliedWithoutEntries: appliedWithoutEntries.rows,
  };
}

export const NO_VIOLATIONS = {
  unbalancedMovements: [],
  balanceNotSumOfEntries: [],
  negativeBalances: [],
  appliedWithoutEntries: [],
};
