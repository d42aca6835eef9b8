import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import {
  type Currency,
  LATEST_SCHEMA_VERSION,
  type SagaEvent,
  SagaEventType,
  TopicName,
} from '../../../schemas';
import type { KafkaRecordInput } from '../../msk';
import { invokeAll, type LambdaHandler, mskEventsOf } from '../../projection/testing/msk-harness';
import { type HandlerModuleLoader, quietHandlers } from '../../projection/testing/projection-run';
import type { TopicTail } from './topic-tail';

/** The three handlers a transfer crosses. */
export interface SagaHandlers {
  readonly account: LambdaHandler;
  readonly transaction: LambdaHandler;
  readonly saga: LambdaHandler;
}

/** Loads the test's handler modules (test support never imports functions/) after the environment is set. */
export async function loadSagaHandlers(modules: {
  readonly account: HandlerModuleLoader;
  readonly transaction: HandlerModuleLoader;
  readonly saga: HandlerModuleLoader;
}): Promise<SagaHandlers> {
  quietHandlers();
  return {
    account: (await modules.account()).handler as LambdaHandler,
    transaction: (await modules.transaction()).handler as LambdaHandler,
    saga: (await modules.saga()).handler as LambdaHandler,
  };
}

export const SAGA_TOPICS = [TopicName.accountEvents, TopicName.transactionEvents, TopicName.sagaEvents];

export const transferRequested = (
  from: string,
  to: string,
  amount: bigint | number,
  currency: Currency = 'EUR',
  transferId: string = randomUUID(),
): SagaEvent => {
  const eventId = randomUUID();
  return {
    eventId,
    schemaVersion: LATEST_SCHEMA_VERSION,
    aggregateId: transferId,
    occurredAt: new Date().toISOString(),
    correlationId: randomUUID(),
    causationId: eventId,
    eventType: SagaEventType.transferRequested,
    payload: {
      transferId,
      fromAccountId: from,
      toAccountId: to,
      amount: { minorUnits: String(amount), currency },
    },
  };
};

export interface DriveOptions {
  /** Hand every MSK event to its handler twice (a redelivery of every step). */
  readonly twice?: boolean;
  /**
   * Within a round, the saga topic first and the account topic last, each partition in its own
   * event in descending partition order: Kafka orders nothing across partitions or topics.
   */
  readonly reversed?: boolean;
  readonly batchSize?: number;
  /** Called after each round with the records it handled. */
  readonly afterRound?: (round: number) => Promise<void>;
  readonly maxRounds?: number;
}

const byTopic = (records: readonly KafkaRecordInput[], topic: string) =>
  records.filter((record) => record.topic === topic);

/**
 * Runs the handlers over the new records of the followed keys, round after round, until a round
 * finds no new record (quiescent). Returns the number of rounds that handled records.
 */
export async function driveUntilQuiescent(
  tail: TopicTail,
  handlers: SagaHandlers,
  pool: Pool,
  options: DriveOptions = {},
): Promise<number> {
  const maxRounds = options.maxRounds ?? 30;
  for (let round = 1; round <= maxRounds; round++) {
    const records = await ours(pool, await tail.take());
    if (records.length === 0) return round - 1;
    await handleRound(handlers, records, options);
    await options.afterRound?.(round);
  }
  throw new Error(`not quiescent after ${maxRounds} rounds`);
}

/**
 * The records of this test's own run: events the test appended (first of their chain:
 * `causationId === eventId`) and events derived by its handlers (in its database's outbox). The
 * topics are shared: another consumer group of the same handlers (the `sls offline` emulator, a
 * colleague's test) derives events for our keys from its own database, with other outcomes.
 */
export async function ours(pool: Pool, records: readonly KafkaRecordInput[]): Promise<KafkaRecordInput[]> {
  const envelopes = records.map((record) => {
    try {
      const event = JSON.parse(record.value?.toString('utf8') ?? 'null') as {
        eventId?: string;
        causationId?: string;
      };
      return { record, eventId: event?.eventId, derived: event?.causationId !== event?.eventId };
    } catch {
      return { record, eventId: undefined, derived: false };
    }
  });
  const derivedIds = envelopes.flatMap((entry) => (entry.derived && entry.eventId ? [entry.eventId] : []));
  const { rows } = await pool.query<{ event_id: string }>(
    'SELECT event_id FROM outbox WHERE event_id = ANY($1::uuid[])',
    [derivedIds],
  );
  const mine = new Set(rows.map((row) => row.event_id));
  return envelopes
    .filter((entry) => !entry.derived || (entry.eventId !== undefined && mine.has(entry.eventId)))
    .map((entry) => entry.record);
}

/** Hands one round's records to the handlers, as the options say. */
export async function handleRound(
  handlers: SagaHandlers,
  records: readonly KafkaRecordInput[],
  options: DriveOptions = {},
): Promise<void> {
  const steps: [LambdaHandler, string, string][] = [
    [handlers.account, 'account-projector', TopicName.accountEvents],
    [handlers.transaction, 'transaction-projector', TopicName.transactionEvents],
    [handlers.saga, 'transfer-saga', TopicName.sagaEvents],
  ];
  if (options.reversed) steps.reverse();
  for (const [handler, name, topic] of steps) {
    const mine = byTopic(records, topic);
    if (mine.length === 0) continue;
    const partitions = [...new Set(mine.map((record) => record.partition))].sort((a, b) => b - a);
    const events = options.reversed
      ? partitions.flatMap((partition) =>
          mskEventsOf(
            mine.filter((record) => record.partition === partition),
            options.batchSize,
          ),
        )
      : mskEventsOf(mine, options.batchSize);
    for (const event of events) {
      await invokeAll(handler, name, options.twice ? [event, event] : [event]);
    }
  }
}

/** Money conservation: customer balances + money in flight = topups - withdrawals - refunds. */
export async function moneyCheck(pool: Pool) {
  const { rows } = await pool.query<{ balances: string; in_flight: string; external_net: string }>(
    `SELECT (SELECT COALESCE(sum(balance_minor), 0) FROM accounts)::text AS balances,
            (SELECT COALESCE(sum(amount_minor), 0) FROM ledger_entries
              WHERE ledger_account LIKE 'transfers-in-flight:%')::text AS in_flight,
            (SELECT COALESCE(sum(CASE kind WHEN 'topup' THEN amount_minor ELSE -amount_minor END), 0)
               FROM transactions WHERE status = 'applied' AND kind IN ('topup', 'withdrawal', 'refund'))::text AS external_net`,
  );
  const row = rows[0];
  if (!row) throw new Error('no money check row');
  return {
    balancesPlusInFlight: BigInt(row.balances) + BigInt(row.in_flight),
    inFlight: BigInt(row.in_flight),
    topupsMinusWithdrawals: BigInt(row.external_net),
  };
}

/** Transfers by status. */
export async function transferStatusCounts(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*)::text AS n FROM transfers GROUP BY status ORDER BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}
