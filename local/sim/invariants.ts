import type { Pool } from 'pg';

/** A broken invariant: its name and the row that breaks it. */
export interface Violation {
  readonly invariant: string;
  readonly detail: string;
}

/** The safety invariants, named as docs/simulation.md lists them. */
export const Invariant = {
  balanceIsSumOfEntries: 'balance = sum of entries',
  entriesSumToZero: "a transaction's entries sum to zero",
  noNegativeBalance: 'no negative balance',
  moneyConserved: 'customer balances + money in flight = topups - withdrawals - refunds',
  oneTransferOutcome: 'a transfer has at most one of credit or compensation',
  transferInFlight: "a transfer's money in flight is 0 or its amount, and 0 once terminal",
  oneEffectPerRecord: 'no source record has two effects',
  noLetterLost: 'no dead letter is lost',
  settledLetterStays: 'a resolved or discarded letter stays so',
} as const;

/** The liveness checks after the faults heal and the run drains. */
export const Liveness = {
  consumed: 'every record ends applied, rejected, a duplicate or parked',
  lettersSettled: 'no letter is left received or retrying',
  outboxPublished: 'the outbox is fully published',
  keysAnswered: 'an idempotency key whose event is in the log has its answer',
  transfersExplained: 'a transfer that is not terminal has a parked letter that says why',
  /** Checked last (local/sim/rebuild.ts): the log folded again, under another interleaving, into a fresh database. */
  rebuildEqualsLive: 'a rebuild from the log equals the live read model',
} as const;

/** A SQL string literal. */
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

const IN_FLIGHT = `ledger_account LIKE 'transfers-in-flight:%'`;

/** The rows a trigger of `table` notes, from its row variable `r` (OLD or NEW). */
const NOTED: Readonly<Record<string, string>> = {
  accounts: `('account', r.account_id::text)`,
  ledger_entries: `('account', r.account_id::text), ('transaction', r.transaction_id::text)`,
  transactions: `('transaction', r.transaction_id::text), ('transfer', r.transfer_id::text), ('event', r.event_id::text),
                 ('source', r.source_partition || ':' || r.source_offset)`,
  transfers: `('transfer', r.transfer_id::text)`,
  dead_letters: `('letter', r.id::text)`,
};

/** One trigger function and trigger per checked table: OLD and NEW both noted (an update can move a row). */
const changeTriggersSql = (): string =>
  Object.entries(NOTED)
    .map(
      ([table, rows]) => `
CREATE FUNCTION sim_note_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r ${table}%ROWTYPE;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    r := OLD;
    INSERT INTO sim_changed SELECT kind, key FROM (VALUES ${rows}) AS noted (kind, key) WHERE key IS NOT NULL;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    r := NEW;
    INSERT INTO sim_changed SELECT kind, key FROM (VALUES ${rows}) AS noted (kind, key) WHERE key IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sim_note_${table} AFTER INSERT OR UPDATE OR DELETE ON ${table}
  FOR EACH ROW EXECUTE FUNCTION sim_note_${table}();`,
    )
    .join('\n');

/**
 * What changed since the last check, kept by triggers in the simulation's own database (never in a
 * deployed one): every row written or deleted in the checked tables notes the groups it belongs to
 * (its account, transaction, transfer, event, source record, letter), before and after the change.
 * Each per-group invariant can only change where such a group changed, so a check after a step
 * looks at those groups alone; money conservation, a sum over everything, is checked whole.
 */
/** Installs the change tracking in a simulation's fresh database (after its migrations). */
export async function trackChanges(pool: Pool): Promise<void> {
  await pool.query(`
CREATE UNLOGGED TABLE sim_changed (kind text NOT NULL, key text NOT NULL);
CREATE INDEX sim_transactions_by_event ON transactions (event_id);
CREATE INDEX sim_transactions_by_source ON transactions (source_partition, source_offset);
${changeTriggersSql()}`);
}

/** Which groups a check looks at: those changed since the last check, or all of them. */
export type CheckScope = 'changed' | 'all';

/**
 * Every safety invariant in one statement (one round trip per step): each branch returns at most
 * one offending row. Set-based, over the read model's own tables; with scope `changed`, each
 * per-group branch looks only at the groups noted since the last check. Either scope takes the
 * noted changes (they are checked).
 */
function safetySql(scope: CheckScope): string {
  const changed = (kind: string, type: string) =>
    scope === 'all' ? 'TRUE' : `IN (SELECT key::${type} FROM changed WHERE kind = '${kind}')`;
  const where = (column: string, kind: string, type = 'uuid') =>
    scope === 'all' ? '' : ` AND ${column} ${changed(kind, type)}`;
  // A transfer's groups: its own row, and every transaction (and so every entry) that names it.
  const transfers =
    scope === 'all'
      ? ''
      : ` AND x.transfer_id IN (SELECT key::uuid FROM changed WHERE kind = 'transfer'
                                UNION SELECT t.transfer_id FROM transactions t
                                 WHERE t.transaction_id ${changed('transaction', 'uuid')})`;
  const sources =
    scope === 'all'
      ? ''
      : ` AND (source_partition, source_offset) IN
            (SELECT split_part(key, ':', 1)::int, split_part(key, ':', 2)::bigint FROM changed WHERE kind = 'source')`;
  return `
WITH changed AS (DELETE FROM sim_changed RETURNING kind, key)
(SELECT ${lit(Invariant.balanceIsSumOfEntries)} AS invariant,
        'account ' || a.account_id || ': balance ' || a.balance_minor || ', entries ' || e.total AS detail
   FROM accounts a
  CROSS JOIN LATERAL (SELECT COALESCE(sum(amount_minor), 0) AS total FROM ledger_entries
                       WHERE account_id = a.account_id) e
  WHERE a.balance_minor <> e.total${where('a.account_id', 'account')} LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.entriesSumToZero)}, 'transaction ' || transaction_id || ' sums to ' || sum(amount_minor)
   FROM ledger_entries WHERE TRUE${where('transaction_id', 'transaction')}
  GROUP BY transaction_id HAVING sum(amount_minor) <> 0 LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.noNegativeBalance)}, 'account ' || account_id || ': ' || sum(amount_minor)
   FROM ledger_entries WHERE account_id IS NOT NULL${where('account_id', 'account')}
  GROUP BY account_id HAVING sum(amount_minor) < 0 LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.moneyConserved)},
        currency || ': balances ' || balances || ' + in flight ' || in_flight || ' <> topups - withdrawals - refunds ' || external
   FROM (SELECT currency, sum(balances) AS balances, sum(in_flight) AS in_flight, sum(external) AS external FROM (
           SELECT currency, balance_minor AS balances, 0 AS in_flight, 0 AS external FROM accounts
           UNION ALL SELECT currency, 0, amount_minor, 0 FROM ledger_entries WHERE ${IN_FLIGHT}
           UNION ALL SELECT currency, 0, 0, CASE kind WHEN 'topup' THEN amount_minor ELSE -amount_minor END
             FROM transactions WHERE status = 'applied' AND kind IN ('topup', 'withdrawal', 'refund')) parts
         GROUP BY currency) totals
  WHERE balances + in_flight <> external LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.oneTransferOutcome)},
        'transfer ' || transfer_id || ': ' || count(*) FILTER (WHERE kind = 'transfer_credit') || ' credit(s), '
          || count(*) FILTER (WHERE kind = 'transfer_compensation') || ' compensation(s) applied'
   FROM transactions x WHERE status = 'applied' AND kind IN ('transfer_credit', 'transfer_compensation')${transfers}
  GROUP BY transfer_id HAVING count(*) > 1 LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.transferInFlight)},
        'transfer ' || f.transfer_id || ': ' || f.in_flight || ' in flight, amount ' || COALESCE(t.amount_minor::text, 'unknown (no transfer)')
          || ', status ' || COALESCE(t.status, 'none')
   FROM (SELECT x.transfer_id, sum(e.amount_minor) AS in_flight
           FROM ledger_entries e JOIN transactions x USING (transaction_id)
          WHERE e.${IN_FLIGHT}${transfers} GROUP BY x.transfer_id) f
   LEFT JOIN transfers t USING (transfer_id)
  WHERE f.in_flight <> 0
    AND (t.transfer_id IS NULL OR f.in_flight <> t.amount_minor OR t.status IN ('completed', 'failed'))
  LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.oneEffectPerRecord)}, 'event ' || event_id || ' recorded as ' || count(*) || ' transactions'
   FROM transactions WHERE TRUE${where('event_id', 'event')} GROUP BY event_id HAVING count(*) > 1 LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.oneEffectPerRecord)},
        'record billing.transaction.events-' || source_partition || '@' || source_offset || ' recorded as ' || count(*) || ' transactions'
   FROM transactions WHERE TRUE${sources} GROUP BY source_partition, source_offset HAVING count(*) > 1 LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.noLetterLost)},
        'letter of ' || r.topic || '-' || r.partition || '@' || r.record_offset || ' read from billing.dead-letter@' || r.letter_offset || ' is not stored'
   FROM json_to_recordset($1::json) AS r(topic text, partition int, record_offset bigint, letter_offset bigint)
  WHERE NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.source_topic = r.topic
                      AND d.source_partition = r.partition AND d.source_offset = r.record_offset)
  LIMIT 1)
UNION ALL
(SELECT ${lit(Invariant.settledLetterStays)}, 'letter ' || d.id || ' was ' || s.status || ', is now ' || d.status
   FROM json_to_recordset($2::json) AS s(id uuid, status text) JOIN dead_letters d USING (id)
  WHERE d.status <> s.status${where('d.id', 'letter')} LIMIT 1)`;
}

const SAFETY_SQL: Readonly<Record<CheckScope, string>> = {
  changed: safetySql('changed'),
  all: safetySql('all'),
};

/** A letter the log says was read and committed by the dead-letter consumer: it must be stored. */
export interface ExpectedLetter {
  readonly topic: string;
  readonly partition: number;
  readonly record_offset: string;
  readonly letter_offset: number;
}

/** A letter seen resolved or discarded: final, it must keep that status. */
export interface SettledLetter {
  readonly id: string;
  readonly status: string;
}

/** Checks every safety invariant in one query; the first violation found, or undefined. */
export async function checkSafety(
  pool: Pool,
  expectedLetters: readonly ExpectedLetter[],
  settledLetters: readonly SettledLetter[],
  scope: CheckScope = 'all',
): Promise<Violation | undefined> {
  // Named, so each connection plans the statement once.
  const { rows } = await pool.query<{ invariant: string; detail: string }>({
    name: `sim-safety-${scope}`,
    text: SAFETY_SQL[scope],
    values: [JSON.stringify(expectedLetters), JSON.stringify(settledLetters)],
  });
  const [row] = rows;
  return row ? { invariant: row.invariant, detail: row.detail } : undefined;
}

/** The letters resolved or discarded now (to be checked as final from the next step on). */
export async function settledLetters(pool: Pool): Promise<SettledLetter[]> {
  const { rows } = await pool.query<{ id: string; status: string }>(
    `SELECT id, status FROM dead_letters WHERE status IN ('resolved', 'discarded')`,
  );
  return rows;
}

/** Outbox rows of a producer's source partition committed above its published-through position. */
export async function unpublishedOutbox(pool: Pool): Promise<Violation | undefined> {
  const { rows } = await pool.query<{ producer: string; source: string; rows: string }>(
    `SELECT o.producer, o.source_topic || '-' || o.source_partition AS source, count(*) AS rows
       FROM outbox o
       LEFT JOIN outbox_published p USING (producer, source_topic, source_partition)
      WHERE o.position > COALESCE(p.position, 0)
      GROUP BY o.producer, o.source_topic, o.source_partition
      ORDER BY 1, 2 LIMIT 1`,
  );
  const [row] = rows;
  return row
    ? {
        invariant: Liveness.outboxPublished,
        detail: `${row.rows} outbox row(s) of ${row.producer} from ${row.source} never marked published`,
      }
    : undefined;
}

/** Idempotency-Keys without an answer whose event a consumer has recorded (after the drain). */
export async function unansweredKeys(pool: Pool): Promise<Violation | undefined> {
  const { rows } = await pool.query<{ key: string; operation: string; event_id: string }>(
    `SELECT k.idempotency_key AS key, k.operation, k.event_id FROM api_idempotency_keys k
      WHERE k.response_status IS NULL AND EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = k.event_id)
      ORDER BY k.created_at LIMIT 1`,
  );
  const [row] = rows;
  return row
    ? {
        invariant: Liveness.keysAnswered,
        detail: `key ${row.key} (${row.operation}): event ${row.event_id} is recorded, the key has no answer`,
      }
    : undefined;
}

/** Letters still waiting for the retrier after the drain. */
export async function unsettledLetters(pool: Pool): Promise<Violation | undefined> {
  const { rows } = await pool.query<{ id: string; status: string; source: string; code: string }>(
    `SELECT id, status, source_topic || '-' || source_partition || '@' || source_offset AS source, failure_code AS code
       FROM dead_letters WHERE status IN ('received', 'retrying') ORDER BY received_at, id LIMIT 1`,
  );
  const [row] = rows;
  return row
    ? {
        invariant: Liveness.lettersSettled,
        detail: `letter ${row.id} of ${row.source} (${row.code}) is still ${row.status}`,
      }
    : undefined;
}

/** Transfers that are not terminal, and the transfer ids the parked letters' source records name. */
export async function unfinishedTransfers(pool: Pool): Promise<{
  readonly transfers: readonly { transferId: string; status: string }[];
  readonly parkedSources: readonly (string | null)[];
}> {
  const transfers = await pool.query<{ transfer_id: string; status: string }>(
    `SELECT transfer_id, status FROM transfers WHERE status NOT IN ('completed', 'failed') ORDER BY transfer_id`,
  );
  const parked = await pool.query<{ source_value: string | null }>(
    `SELECT source_value FROM dead_letters WHERE status = 'parked' AND source_topic IN ('billing.transaction.events', 'billing.saga.events')`,
  );
  return {
    transfers: transfers.rows.map((row) => ({ transferId: row.transfer_id, status: row.status })),
    parkedSources: parked.rows.map((row) => row.source_value),
  };
}
