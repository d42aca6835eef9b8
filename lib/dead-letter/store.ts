import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { FailureClass } from '../../schemas';
import type { Queryable } from '../database';
import { inTransaction } from '../database';
import { DeadLetterStatus, LetterAction, LetterFailureCode, LetterOrigin } from './constants';
import { type IncomingLetter, invalidLetter, type LetterSource } from './incoming';
import { moneyInFlightOf } from './money-in-flight';
import { rebuiltFromLogOf } from './rebuilt-from-log';
import { nextStepAfterFailure, type RetrySettings } from './schedule';
import {
  headersOfStored,
  type StoredHeader,
  storableHeaders,
  storableMessage,
  storableText,
} from './storable';

/** A stored letter, as the retrier and the CLI read it. */
export interface StoredLetter {
  readonly id: string;
  readonly origin: LetterOrigin;
  readonly source: LetterSource;
  readonly handler: string;
  readonly failureClass: FailureClass;
  readonly failureCode: string;
  readonly failureMessage: string;
  readonly status: DeadLetterStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly leaseToken: string | null;
  readonly parkReason: string | null;
  readonly receivedAt: string;
  readonly updatedAt: string;
}

const COLUMNS = `id, origin, source_topic, source_partition, source_offset::text AS source_offset, source_key,
  source_value, source_headers, source_timestamp, handler, failure_class, failure_code, failure_message,
  status, attempts, next_attempt_at, lease_token, park_reason, received_at, updated_at`;

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

export const letterOfRow = (row: Record<string, unknown>): StoredLetter => ({
  id: String(row.id),
  origin: row.origin as LetterOrigin,
  source: {
    topic: String(row.source_topic),
    partition: Number(row.source_partition),
    offset: String(row.source_offset),
    key: (row.source_key as string | null) ?? null,
    value: (row.source_value as string | null) ?? null,
    headers: headersOfStored(row.source_headers as StoredHeader[]),
    timestamp: iso(row.source_timestamp),
  },
  handler: String(row.handler),
  failureClass: row.failure_class as FailureClass,
  failureCode: String(row.failure_code),
  failureMessage: String(row.failure_message),
  status: row.status as DeadLetterStatus,
  attempts: Number(row.attempts),
  nextAttemptAt: row.next_attempt_at === null ? null : iso(row.next_attempt_at),
  leaseToken: (row.lease_token as string | null) ?? null,
  parkReason: (row.park_reason as string | null) ?? null,
  receivedAt: iso(row.received_at),
  updatedAt: iso(row.updated_at),
});

/** Appends an entry to a letter's history. */
export async function recordAction(
  db: Queryable,
  entry: {
    readonly letterId: string;
    readonly action: LetterAction;
    readonly outcome: string;
    readonly actor: string;
    readonly reason?: string | null;
    readonly attempt?: number | null;
    readonly at: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO dead_letter_actions (dead_letter_id, action, outcome, actor, reason, attempt, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      entry.letterId,
      entry.action,
      storableMessage(entry.outcome),
      storableText(entry.actor),
      entry.reason === undefined || entry.reason === null ? null : storableMessage(entry.reason),
      entry.attempt ?? null,
      entry.at,
    ],
  );
}

/** What storing a batch of letters did. */
export interface StoreReport {
  readonly stored: number;
  readonly duplicates: number;
  /** Letters parked at once (permanent failures): each one counts in DeadLettersParked. */
  readonly parked: readonly { readonly id: string; readonly code: string; readonly reason: string }[];
}

/** A letter to store, with where it was read on billing.dead-letter. */
export type LetterToStore = IncomingLetter & {
  readonly letterPartition?: number;
  readonly letterOffset?: string;
  /** The billing.dead-letter record that carried it: kept whole if the letter cannot be stored. */
  readonly letterRecord?: LetterSource;
};

type StoreContext = { readonly now: Date; readonly settings: RetrySettings; readonly random: () => number };

/** SQLSTATE classes of a value PostgreSQL refuses (data exception, constraint, program limit such as an index row too big). */
const REFUSED_VALUE_CLASSES: ReadonlySet<string> = new Set(['22', '23', '54']);

const isRefusedValue = (error: unknown): error is Error & { readonly code: string } => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && REFUSED_VALUE_CLASSES.has(code.slice(0, 2));
};

/**
 * Stores letters once per source record (topic, partition, offset): a redelivered letter, or a
 * second letter of the same record, changes nothing. A permanent letter is parked at once; a
 * retryable one is due after the backoff of its attempt. One transaction for the batch. Every
 * text is made storable first (NUL escaped, lone surrogates replaced; the source record's bytes
 * stay base64). A letter PostgreSQL still refuses (a value out of range, a field too big to index)
 * is stored instead as a parked letter whose source is the billing.dead-letter record that carried
 * it, byte for byte: one poison letter never blocks the dead-letter partition.
 */
export async function storeLetters(
  pool: Pool,
  letters: readonly LetterToStore[],
  context: StoreContext,
): Promise<StoreReport> {
  return inTransaction(pool, async (client) => {
    let stored = 0;
    const parked: { id: string; code: string; reason: string }[] = [];
    for (const letter of letters) {
      await client.query('SAVEPOINT letter');
      let outcome: { stored: boolean; parked?: { id: string; code: string; reason: string } };
      try {
        outcome = await storeLetter(client, letter, context);
      } catch (error) {
        if (!isRefusedValue(error) || !letter.letterRecord) throw error;
        await client.query('ROLLBACK TO SAVEPOINT letter');
        const source = letter.source;
        outcome = await storeLetter(
          client,
          {
            ...invalidLetter(
              letter.letterRecord,
              `the letter of ${source.topic.slice(0, 300)}-${source.partition}@${source.offset.slice(0, 30)} (${letter.failure.code.slice(0, 100)}) could not be stored: SQLSTATE ${error.code}: ${error.message}; the dead-letter record that carried it is kept whole`,
              LetterFailureCode.unstorable,
            ),
            letterPartition: letter.letterPartition,
            letterOffset: letter.letterOffset,
          },
          context,
        );
      }
      await client.query('RELEASE SAVEPOINT letter');
      if (outcome.stored) stored += 1;
      if (outcome.parked) parked.push(outcome.parked);
    }
    return { stored, duplicates: letters.length - stored, parked };
  });
}

/** One letter's row and history; nothing when its source record already has a letter. */
async function storeLetter(
  client: Queryable,
  letter: LetterToStore,
  context: StoreContext,
): Promise<{ stored: boolean; parked?: { id: string; code: string; reason: string } }> {
  const step = nextStepAfterFailure({
    attempts: letter.failure.attempt,
    permanent: letter.failure.class === FailureClass.permanent,
    now: context.now,
    settings: context.settings,
    random: context.random(),
  });
  const status = step.kind === 'park' ? DeadLetterStatus.parked : DeadLetterStatus.received;
  const code = storableMessage(letter.failure.code);
  const message = storableMessage(letter.failure.message);
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO dead_letters (id, source_topic, source_partition, source_offset, source_key, source_value,
       source_headers, source_timestamp, origin, handler, failure_class, failure_code, failure_message, status,
       attempts, next_attempt_at, marker_state, park_reason, received_at, updated_at, letter_partition, letter_offset)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, $21)
     ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING
     RETURNING id`,
    [
      letter.id,
      storableText(letter.source.topic),
      letter.source.partition,
      letter.source.offset,
      letter.source.key === null ? null : storableText(letter.source.key),
      letter.source.value === null ? null : storableText(letter.source.value),
      JSON.stringify(storableHeaders(letter.source.headers)),
      letter.source.timestamp,
      letter.origin,
      storableText(letter.handler),
      letter.failure.class,
      code,
      message,
      status,
      letter.failure.attempt,
      step.kind === 'retry' ? step.at : null,
      // Our envelope: the handler marked the record processed when it dead-lettered it.
      letter.origin === LetterOrigin.envelope ? 'dead-letter' : 'cleared',
      step.kind === 'park' ? step.reason : null,
      context.now,
      letter.letterPartition ?? null,
      letter.letterOffset ?? null,
    ],
  );
  if (inserted.rowCount !== 1) return { stored: false };
  await recordAction(client, {
    letterId: letter.id,
    action: LetterAction.received,
    outcome: status,
    actor: 'dead-letter',
    reason: `${letter.failure.class} ${code}: ${message}`,
    attempt: letter.failure.attempt,
    at: context.now,
  });
  if (step.kind !== 'park') return { stored: true };
  await recordAction(client, {
    letterId: letter.id,
    action: LetterAction.parked,
    outcome: DeadLetterStatus.parked,
    actor: 'dead-letter',
    reason: step.reason,
    at: context.now,
  });
  return { stored: true, parked: { id: letter.id, code, reason: step.reason } };
}

/**
 * storeLetters in three statements whatever the number of letters (what the dead-letter handler
 * uses: intake keeps pace with the projectors' batches): the letters in one multi-row INSERT (a
 * source record already stored, or twice in the batch, is kept once), then their `received` and
 * `parked` actions in one more each. Same outcome and report as storeLetters. A batch PostgreSQL
 * refuses a value of (a NUL in a text, a field too big) is rolled back whole and stored by
 * storeLetters, letter by letter, which deals with such letters one at a time.
 */
export async function storeLetterBatch(
  pool: Pool,
  letters: readonly LetterToStore[],
  context: StoreContext,
): Promise<StoreReport> {
  try {
    return await insertLetterBatch(pool, letters, context);
  } catch (error) {
    if (!isRefusedValue(error)) throw error;
    return storeLetters(pool, letters, context);
  }
}

async function insertLetterBatch(
  pool: Pool,
  letters: readonly LetterToStore[],
  context: StoreContext,
): Promise<StoreReport> {
  if (letters.length === 0) return { stored: 0, duplicates: 0, parked: [] };
  const rows = letters.map((letter) => {
    const step = nextStepAfterFailure({
      attempts: letter.failure.attempt,
      permanent: letter.failure.class === FailureClass.permanent,
      now: context.now,
      settings: context.settings,
      random: context.random(),
    });
    return {
      letter,
      step,
      status: step.kind === 'park' ? DeadLetterStatus.parked : DeadLetterStatus.received,
      code: storableMessage(letter.failure.code),
      message: storableMessage(letter.failure.message),
    };
  });
  const column = <T>(value: (row: (typeof rows)[number]) => T): T[] => rows.map(value);
  return inTransaction(pool, async (client) => {
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO dead_letters (id, source_topic, source_partition, source_offset, source_key, source_value,
         source_headers, source_timestamp, origin, handler, failure_class, failure_code, failure_message, status,
         attempts, next_attempt_at, marker_state, park_reason, received_at, updated_at, letter_partition, letter_offset)
       SELECT id, source_topic, source_partition, source_offset, source_key, source_value, source_headers::jsonb,
              source_timestamp, origin, handler, failure_class, failure_code, failure_message, status, attempts,
              next_attempt_at, marker_state, park_reason, $19, $19, letter_partition, letter_offset
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                     $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                     $15::int[], $16::timestamptz[], $17::text[], $18::text[], $20::int[], $21::bigint[])
           AS l(id, source_topic, source_partition, source_offset, source_key, source_value, source_headers,
                source_timestamp, origin, handler, failure_class, failure_code, failure_message, status, attempts,
                next_attempt_at, marker_state, park_reason, letter_partition, letter_offset)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        column(({ letter }) => letter.id),
        column(({ letter }) => storableText(letter.source.topic)),
        column(({ letter }) => letter.source.partition),
        column(({ letter }) => letter.source.offset),
        column(({ letter }) => (letter.source.key === null ? null : storableText(letter.source.key))),
        column(({ letter }) => (letter.source.value === null ? null : storableText(letter.source.value))),
        column(({ letter }) => JSON.stringify(storableHeaders(letter.source.headers))),
        column(({ letter }) => letter.source.timestamp),
        column(({ letter }) => letter.origin),
        column(({ letter }) => storableText(letter.handler)),
        column(({ letter }) => letter.failure.class),
        column(({ code }) => code),
        column(({ message }) => message),
        column(({ status }) => status),
        column(({ letter }) => letter.failure.attempt),
        column(({ step }) => (step.kind === 'retry' ? step.at : null)),
        // Our envelope: the handler marked the record processed when it dead-lettered it.
        column(({ letter }) => (letter.origin === LetterOrigin.envelope ? 'dead-letter' : 'cleared')),
        column(({ step }) => (step.kind === 'park' ? step.reason : null)),
        context.now,
        column(({ letter }) => letter.letterPartition ?? null),
        column(({ letter }) => letter.letterOffset ?? null),
      ],
    );
    const storedIds = new Set(inserted.rows.map((row) => row.id));
    // A letter id twice in the batch (the same source record) is stored and recorded once.
    const stored = [
      ...new Map(
        rows.filter(({ letter }) => storedIds.has(letter.id)).map((row) => [row.letter.id, row]),
      ).values(),
    ];
    const actions = stored.flatMap(({ letter, step, status, code, message }) => [
      {
        id: letter.id,
        action: LetterAction.received,
        outcome: status,
        reason: `${letter.failure.class} ${code}: ${message}`,
        attempt: letter.failure.attempt as number | null,
      },
      ...(step.kind === 'park'
        ? [
            {
              id: letter.id,
              action: LetterAction.parked,
              outcome: DeadLetterStatus.parked,
              reason: step.reason,
              attempt: null,
            },
          ]
        : []),
    ]);
    if (actions.length > 0) {
      await client.query(
        `INSERT INTO dead_letter_actions (dead_letter_id, action, outcome, actor, reason, attempt, at)
         SELECT id, action, outcome, 'dead-letter', reason, attempt, $6
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[]) AS a(id, action, outcome, reason, attempt)`,
        [
          actions.map((action) => action.id),
          actions.map((action) => action.action),
          actions.map((action) => action.outcome),
          actions.map((action) => action.reason),
          actions.map((action) => action.attempt),
          context.now,
        ],
      );
    }
    const parked = stored.flatMap(({ letter, step, code }) =>
      step.kind === 'park' ? [{ id: letter.id, code, reason: step.reason }] : [],
    );
    return { stored: stored.length, duplicates: letters.length - stored.length, parked };
  });
}

/**
 * Claims up to `limit` due retryable letters for one retrier: row locks with SKIP LOCKED, so two
 * retriers never take the same letter, and a lease (next_attempt_at pushed forward, a token) in
 * the same statement, so a letter is attempted once per due time.
 */
export async function claimDueLetters(
  db: Queryable,
  options: { readonly now: Date; readonly limit: number; readonly leaseMs: number },
): Promise<{ readonly token: string; readonly letters: StoredLetter[] }> {
  const token = randomUUID();
  const { rows } = await db.query(
    `WITH due AS (
       SELECT id FROM dead_letters
        WHERE status IN ('received', 'retrying') AND next_attempt_at <= $1
        ORDER BY next_attempt_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
     UPDATE dead_letters d
        SET status = 'retrying', lease_token = $3, next_attempt_at = $4, updated_at = $1
       FROM due WHERE d.id = due.id
     RETURNING ${COLUMNS.replace(/(^|,\s*)(\w)/g, '$1d.$2').replace('d.source_offset::text', 'd.source_offset::text')}`,
    [options.now, options.limit, token, new Date(options.now.getTime() + options.leaseMs)],
  );
  return { token, letters: rows.map(letterOfRow) };
}

/**
 * Like claimDueLetters, for one shard of the source partitions (`source_partition mod shards =
 * shard`): a record's key decides its partition, so the letters of one key (an account) are
 * always claimed by the same shard, in the same order, and shards can be retried in parallel.
 */
export async function claimDueLettersOfShard(
  db: Queryable,
  options: {
    readonly now: Date;
    readonly limit: number;
    readonly leaseMs: number;
    readonly shard: number;
    readonly shards: number;
  },
): Promise<{ readonly token: string; readonly letters: StoredLetter[] }> {
  const token = randomUUID();
  const { rows } = await db.query(
    `WITH due AS (
       SELECT id FROM dead_letters
        WHERE status IN ('received', 'retrying') AND next_attempt_at <= $1
          AND mod(source_partition, $5) = $6
        ORDER BY next_attempt_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
     UPDATE dead_letters d
        SET status = 'retrying', lease_token = $3, next_attempt_at = $4, updated_at = $1
       FROM due WHERE d.id = due.id
     RETURNING ${COLUMNS.replace(/(^|,\s*)(\w)/g, '$1d.$2')}`,
    [
      options.now,
      options.limit,
      token,
      new Date(options.now.getTime() + options.leaseMs),
      options.shards,
      options.shard,
    ],
  );
  // RETURNING has no order: the claimed letters in their source records' order.
  const letters = rows
    .map(letterOfRow)
    .sort(
      (a, b) =>
        a.source.topic.localeCompare(b.source.topic) ||
        a.source.partition - b.source.partition ||
        Number(BigInt(a.source.offset) - BigInt(b.source.offset)),
    );
  return { token, letters };
}

/**
 * Claims one letter by id for an operator's replay (unless a retrier or another replay holds its
 * lease): a parked letter is leased too, its `next_attempt_at` the lease's end (the retrier does
 * not claim parked letters; a failed replay clears it again).
 */
export async function claimLetter(
  db: Queryable,
  id: string,
  options: { readonly now: Date; readonly leaseMs: number },
): Promise<
  { readonly token: string; readonly letter: StoredLetter } | { readonly busy: StoredLetter | null }
> {
  const token = randomUUID();
  const { rows } = await db.query(
    `UPDATE dead_letters SET lease_token = $2, next_attempt_at = $4
      WHERE id = $1 AND status IN ('received', 'retrying', 'parked')
        AND (lease_token IS NULL OR next_attempt_at IS NULL OR next_attempt_at <= $3)
     RETURNING ${COLUMNS}`,
    [id, token, options.now, new Date(options.now.getTime() + options.leaseMs)],
  );
  const [row] = rows;
  if (row) return { token, letter: letterOfRow(row) };
  return { busy: await findLetter(db, id) };
}

/** One letter by id, or null. */
export async function findLetter(db: Queryable, id: string): Promise<StoredLetter | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
  return rows[0] ? letterOfRow(rows[0]) : null;
}

/** Seconds since the oldest unresolved letter (received, retrying or parked) arrived; 0 when none. */
export async function oldestUnresolvedAgeSeconds(db: Queryable, now: Date): Promise<number> {
  const { rows } = await db.query(
    `SELECT min(received_at) AS oldest FROM dead_letters WHERE status IN ('received', 'retrying', 'parked')`,
  );
  const oldest = rows[0]?.oldest as Date | null | undefined;
  return oldest ? Math.max(0, Math.floor((now.getTime() - oldest.getTime()) / 1000)) : 0;
}

/** Filters of the operator's list and replay --all. */
export interface LetterFilter {
  readonly status?: DeadLetterStatus;
  readonly topic?: string;
  readonly code?: string;
  /** Received before now minus this many milliseconds. */
  readonly olderThanMs?: number;
}

/**
 * Letters matching the filter, oldest first: at most `limit` (1,000 unless told), from the one after
 * the letter `after` (a page's last id) when given.
 */
export async function listLetters(
  db: Queryable,
  filter: LetterFilter,
  options: { readonly now: Date; readonly limit?: number; readonly after?: string },
): Promise<StoredLetter[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM dead_letters
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source_topic = $2)
        AND ($3::text IS NULL OR failure_code = $3) AND ($4::timestamptz IS NULL OR received_at < $4)
        AND ($6::uuid IS NULL OR (received_at, source_topic, source_partition, source_offset) >
             (SELECT received_at, source_topic, source_partition, source_offset FROM dead_letters WHERE id = $6))
      ORDER BY received_at, source_topic, source_partition, source_offset
      LIMIT $5`,
    [
      filter.status ?? null,
      filter.topic ?? null,
      filter.code ?? null,
      filter.olderThanMs === undefined ? null : new Date(options.now.getTime() - filter.olderThanMs),
      options.limit ?? 1_000,
      options.after ?? null,
    ],
  );
  return rows.map(letterOfRow);
}

/** A letter's history, oldest first. */
export async function historyOf(db: Queryable, id: string) {
  const { rows } = await db.query<{
    action: string;
    outcome: string;
    actor: string;
    reason: string | null;
    attempt: number | null;
    at: Date;
  }>(
    'SELECT action, outcome, actor, reason, attempt, at FROM dead_letter_actions WHERE dead_letter_id = $1 ORDER BY position',
    [id],
  );
  return rows.map((row) => ({ ...row, at: iso(row.at) }));
}

/** The outcome of one attempt to re-apply a letter. */
export type AttemptOutcome =
  | { readonly kind: 'applied' }
  /**
   * Out of retries, the record was decided as a rejection (an outcome, answered by the saga)
   * instead of being parked: the letter is resolved.
   */
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'already-closed'; readonly status: DeadLetterStatus }
  | {
      readonly kind: 'failed';
      readonly failureClass: FailureClass;
      readonly code: string;
      readonly message: string;
    }
  /** The database or Kafka failed: not the letter's fault, the attempt does not count. */
  | { readonly kind: 'error'; readonly message: string };

/** What a letter's history says about an attempt's outcome, if the outcome itself has something to say. */
function historyReasonOf(outcome: AttemptOutcome): string | undefined {
  switch (outcome.kind) {
    case 'failed':
      return `${outcome.failureClass} ${outcome.code}: ${outcome.message}`;
    case 'error':
      return outcome.message;
    case 'rejected':
      return outcome.reason;
    case 'applied':
    case 'already-closed':
      return undefined;
    default: {
      const unknown: never = outcome;
      return unknown;
    }
  }
}

/** How an attempt is recorded: its lease, time, retry settings and who made it. */
interface AttemptContext {
  readonly token: string;
  readonly now: Date;
  readonly settings: RetrySettings;
  readonly random: number;
  readonly actor: string;
  readonly action: LetterAction;
  readonly reason?: string;
}

/** A letter as the lease that claimed it finds it, locked for the transaction. */
type LeasedLetter = { readonly status: DeadLetterStatus; readonly attempts: number };

/** A failed attempt's effect on the letter: its attempt number and, if it parks it now, why. */
interface FailureRecorded {
  readonly attempt: number;
  readonly parked: boolean;
  readonly parkReason?: string;
}

/** The letter, locked, if this lease still holds it (undefined: the lease was lost). */
async function lockLeasedLetter(
  client: Queryable,
  letterId: string,
  token: string,
): Promise<LeasedLetter | undefined> {
  const { rows } = await client.query<LeasedLetter>(
    'SELECT status, attempts FROM dead_letters WHERE id = $1 AND lease_token = $2 FOR UPDATE',
    [letterId, token],
  );
  return rows[0];
}

/**
 * A failure of an open letter: the next due time, or parking when its retries are out (or the
 * failure is permanent), with the failure stored on the letter and the lease released.
 */
async function recordFailure(
  client: Queryable,
  letterId: string,
  current: LeasedLetter,
  outcome: Extract<AttemptOutcome, { kind: 'failed' }>,
  context: AttemptContext,
): Promise<FailureRecorded> {
  // A replay of a parked letter is its last word; a replay of a letter with retries left is an
  // extra attempt that uses none of them: it keeps its schedule (unless the failure is permanent).
  const replayOfParked = context.action === LetterAction.replay && current.status === DeadLetterStatus.parked;
  const extra = context.action === LetterAction.replay && !replayOfParked;
  const attempt = extra ? current.attempts : current.attempts + 1;
  const step = replayOfParked
    ? { kind: 'park' as const, reason: `replay by ${context.actor} failed` }
    : nextStepAfterFailure({
        attempts: extra ? Math.min(attempt, context.settings.maxAttempts - 1) : attempt,
        permanent: outcome.failureClass === FailureClass.permanent,
        now: context.now,
        settings: context.settings,
        random: context.random,
      });
  const parked = step.kind === 'park' && current.status !== DeadLetterStatus.parked;
  const parkReason =
    step.kind === 'park' ? `${step.reason}; last: ${outcome.code}: ${outcome.message}` : undefined;
  await client.query(
    `UPDATE dead_letters SET attempts = $2, status = $3, next_attempt_at = $4, lease_token = NULL,
       failure_class = $5, failure_code = $6, failure_message = $7, park_reason = COALESCE($8, park_reason), updated_at = $9
      WHERE id = $1`,
    [
      letterId,
      attempt,
      step.kind === 'park' ? DeadLetterStatus.parked : DeadLetterStatus.retrying,
      step.kind === 'retry' ? step.at : null,
      outcome.failureClass,
      storableMessage(outcome.code),
      storableMessage(outcome.message),
      parkReason === undefined ? null : storableMessage(parkReason),
      context.now,
    ],
  );
  return parkReason === undefined ? { attempt, parked } : { attempt, parked, parkReason };
}

/** Not the letter's fault (the database or Kafka): released to be retried, the attempt does not count. */
async function releaseAfterError(client: Queryable, letterId: string, now: Date): Promise<void> {
  await client.query(
    `UPDATE dead_letters SET lease_token = NULL, updated_at = $2,
       next_attempt_at = CASE WHEN status = 'parked' THEN NULL ELSE next_attempt_at END
      WHERE id = $1`,
    [letterId, now],
  );
}

/** The history's word for an attempt: its outcome, or why it changed nothing. */
function attemptOutcomeText(
  current: LeasedLetter | undefined,
  open: boolean,
  outcome: AttemptOutcome,
): string {
  if (!current) return 'lease-lost';
  return open || outcome.kind !== 'failed' ? outcome.kind : `failed, ignored: already ${current.status}`;
}

/**
 * Records an attempt's outcome under the lease that claimed the letter: the history entry, and
 * for a failure the next due time or parking. Returns true when the letter was parked now.
 */
export async function recordAttempt(
  pool: Pool,
  letter: StoredLetter,
  outcome: AttemptOutcome,
  context: AttemptContext,
): Promise<{ readonly parked: boolean; readonly reason?: string }> {
  return inTransaction(pool, async (client) => {
    const current = await lockLeasedLetter(client, letter.id, context.token);
    // A letter resolved or discarded meanwhile (by an attempt that held it before this lease, or
    // an operator) keeps its status: a late failure must not reopen or park it.
    const open =
      current !== undefined &&
      current.status !== DeadLetterStatus.resolved &&
      current.status !== DeadLetterStatus.discarded;
    let failure: FailureRecorded | undefined;
    if (current && open && outcome.kind === 'failed') {
      failure = await recordFailure(client, letter.id, current, outcome, context);
    } else if (current && open && outcome.kind === 'error') {
      await releaseAfterError(client, letter.id, context.now);
    } else if (current) {
      await client.query('UPDATE dead_letters SET lease_token = NULL WHERE id = $1', [letter.id]);
    }
    await recordAction(client, {
      letterId: letter.id,
      action: context.action,
      outcome: attemptOutcomeText(current, open, outcome),
      actor: context.actor,
      reason: historyReasonOf(outcome) ?? context.reason ?? null,
      attempt: failure?.attempt ?? null,
      at: context.now,
    });
    const parkReason = failure?.parkReason;
    const parked = failure?.parked ?? false;
    if (parked && parkReason) {
      await recordAction(client, {
        letterId: letter.id,
        action: LetterAction.parked,
        outcome: DeadLetterStatus.parked,
        actor: context.actor,
        reason: parkReason,
        at: context.now,
      });
    }
    return parkReason === undefined ? { parked } : { parked, reason: parkReason };
  });
}

/** What an operator's discard did. */
export interface DiscardResult {
  readonly discarded: boolean;
  readonly status: DeadLetterStatus;
  /** Why it was refused, and what to do instead (money in flight, or an attempt holds the letter). */
  readonly refused?: string;
}

/**
 * Discards a letter for a reason (final; nothing is deleted). Null when there is no such letter.
 * Refused for a letter whose record holds a transfer's money in transfers-in-flight (discarding
 * it would strand the money: replay it instead), for an account's opening or status change and a
 * transfer's request (a rebuild from the log applies them: `rebuiltFromLogOf`), and while an
 * attempt holds its lease.
 */
export async function discardLetter(
  db: Queryable,
  id: string,
  context: { readonly reason: string; readonly by: string; readonly now: Date },
): Promise<DiscardResult | null> {
  const letter = await findLetter(db, id);
  if (!letter) return null;
  const open =
    letter.status === DeadLetterStatus.received ||
    letter.status === DeadLetterStatus.retrying ||
    letter.status === DeadLetterStatus.parked;
  const inFlight = open ? (moneyInFlightOf(letter) ?? rebuiltFromLogOf(letter)) : undefined;
  let result: DiscardResult;
  if (inFlight) {
    result = { discarded: false, status: letter.status, refused: inFlight };
  } else {
    const { rows } = await db.query<{ status: DeadLetterStatus; discarded: boolean }>(
      `WITH updated AS (
         UPDATE dead_letters SET status = 'discarded', next_attempt_at = NULL, lease_token = NULL, updated_at = $2
          WHERE id = $1 AND status IN ('received', 'retrying', 'parked')
            AND (lease_token IS NULL OR next_attempt_at IS NULL OR next_attempt_at <= $2)
          RETURNING id)
       SELECT status, EXISTS (SELECT 1 FROM updated) AS discarded FROM dead_letters WHERE id = $1`,
      [id, context.now],
    );
    const row = rows[0];
    if (!row) return null;
    result = row.discarded
      ? { discarded: true, status: DeadLetterStatus.discarded }
      : row.status === DeadLetterStatus.resolved || row.status === DeadLetterStatus.discarded
        ? { discarded: false, status: row.status }
        : {
            discarded: false,
            status: row.status,
            refused: 'an attempt holds the letter (its lease has not run out): try again later',
          };
  }
  await recordAction(db, {
    letterId: id,
    action: LetterAction.discard,
    outcome: result.discarded ? DeadLetterStatus.discarded : `refused: ${result.refused ?? result.status}`,
    actor: context.by,
    reason: context.reason,
    at: context.now,
  });
  return result;
}

/** How many letters match the filter (what `dlq list` says when it truncates). */
export async function countLetters(
  db: Queryable,
  filter: LetterFilter,
  options: { readonly now: Date },
): Promise<number> {
  const { rows } = await db.query<{ letters: string }>(
    `SELECT count(*) AS letters FROM dead_letters
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source_topic = $2)
        AND ($3::text IS NULL OR failure_code = $3) AND ($4::timestamptz IS NULL OR received_at < $4)`,
    [
      filter.status ?? null,
      filter.topic ?? null,
      filter.code ?? null,
      filter.olderThanMs === undefined ? null : new Date(options.now.getTime() - filter.olderThanMs),
    ],
  );
  return Number(rows[0]?.letters ?? 0);
}
