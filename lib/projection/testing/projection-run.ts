import { TopicName } from '../../../schemas';
import type { KafkaRecordInput } from '../../msk';
import { invokeAll, type LambdaHandler, type MskHarness, mskEventsOf, type Offsets } from './msk-harness';

/** The two projector handlers. */
export interface Projectors {
  readonly account: LambdaHandler;
  readonly transaction: LambdaHandler;
}

/** A handler module of functions/, imported by the test: test support never imports functions/. */
export type HandlerModuleLoader = () => Promise<{ readonly handler: unknown }>;

/** Quiets the handlers' logs and metrics; set before a handler module loads (its logger reads it then). */
export function quietHandlers(): void {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
}

/**
 * Loads the test's handler modules after the environment is set, e.g.
 * `loadProjectors({ account: () => import('../../functions/account-projector'), ... })`.
 */
export async function loadProjectors(modules: {
  readonly account: HandlerModuleLoader;
  readonly transaction: HandlerModuleLoader;
}): Promise<Projectors> {
  quietHandlers();
  return {
    account: (await modules.account()).handler as LambdaHandler,
    transaction: (await modules.transaction()).handler as LambdaHandler,
  };
}

export const only = (offsets: Offsets, topic: string): Offsets =>
  new Map([[topic, offsets.get(topic) ?? new Map()]]);

/** Our records of each billing topic between two offset snapshots (filtered by key). */
export async function ourRecords(
  harness: MskHarness,
  starts: Offsets,
  ends: Offsets,
  keys: ReadonlySet<string>,
) {
  const keep = (key: string | null) => key !== null && keys.has(key);
  return {
    account: await harness.collect(
      only(starts, TopicName.accountEvents),
      only(ends, TopicName.accountEvents),
      keep,
    ),
    transaction: await harness.collect(
      only(starts, TopicName.transactionEvents),
      only(ends, TopicName.transactionEvents),
      keep,
    ),
  };
}

/** Hands records to the handlers as MSK events: the account topic first, then transactions. */
export async function project(
  projectors: Projectors,
  records: { account: readonly KafkaRecordInput[]; transaction: readonly KafkaRecordInput[] },
  batchSize = 100,
) {
  const accountResults = await invokeAll(
    projectors.account,
    'account-projector',
    mskEventsOf(records.account, batchSize),
  );
  const transactionResults = await invokeAll(
    projectors.transaction,
    'transaction-projector',
    mskEventsOf(records.transaction, batchSize),
  );
  return { accountResults, transactionResults };
}

/**
 * Replays records of both topics in the order they were appended (record timestamp; on a tie, the
 * account topic first), as runs of consecutive records of one topic and one partition, handed to
 * that topic's handler in batches of at most `batchSize`, one after the other. The two topics are
 * consumed independently, so "the ordered events" across topics are ordered by append time: a
 * status change must not overtake movements appended before it. Nor may a record overtake one of
 * another partition appended before it: a transfer's credit, requested once its debit applied,
 * would be deferred if its batch ran beside the debit's.
 */
export async function replayInAppendOrder(
  projectors: Projectors,
  records: { account: readonly KafkaRecordInput[]; transaction: readonly KafkaRecordInput[] },
  batchSize = 100,
): Promise<void> {
  const tagged = [
    ...records.account.map((record, index) => ({ record, index, rank: 0 })),
    ...records.transaction.map((record, index) => ({ record, index, rank: 1 })),
  ].sort(
    (left, right) =>
      Number(left.record.timestamp) - Number(right.record.timestamp) ||
      left.rank - right.rank ||
      left.index - right.index,
  );
  let run: KafkaRecordInput[] = [];
  let runKey = '';
  let runRank = -1;
  const flush = async () => {
    if (run.length === 0) return;
    if (runRank === 0) await invokeAll(projectors.account, 'account-projector', mskEventsOf(run, batchSize));
    else await invokeAll(projectors.transaction, 'transaction-projector', mskEventsOf(run, batchSize));
    run = [];
  };
  for (const { record, rank } of tagged) {
    const key = `${rank}/${record.partition}`;
    if (key !== runKey) {
      await flush();
      runKey = key;
      runRank = rank;
    }
    run.push(record);
  }
  await flush();
}
