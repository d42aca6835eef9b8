/**
 * Pending transfers and the money each has in flight (on `transfers-in-flight:<currency>`): the
 * query docs/saga.md shows, run as written by the tests.
 */
export const PENDING_TRANSFERS_SQL = `SELECT t.transfer_id, t.status, t.step, t.from_account_id, t.to_account_id,
       t.amount_minor, t.currency, t.requested_at,
       COALESCE(sum(e.amount_minor), 0) AS in_flight_minor
  FROM transfers t
  LEFT JOIN transactions x ON x.transfer_id = t.transfer_id AND x.status = 'applied'
  LEFT JOIN ledger_entries e ON e.transaction_id = x.transaction_id
                            AND e.ledger_account = 'transfers-in-flight:' || t.currency
 WHERE t.status IN ('requested', 'debiting', 'crediting', 'compensating')
 GROUP BY t.transfer_id
 ORDER BY t.requested_at, t.transfer_id;`;
