import { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { accountProjector, transactionProjector } from '../../lib/ledger';
import { buildMskEvent, decodeBillingMskEvent } from '../../lib/msk';
import { projectMskEvent } from '../../lib/projection/runner';
import { createTestDatabase } from '../../lib/projection/testing/database';
import type { FreshRecord, TopicProjector } from '../../lib/projection/types';
import {
  compareReadModels,
  differenceLine,
  formatComparison,
  type ReadModelComparison,
} from '../../lib/rebuild/compare';
import { discardingPublisher } from '../../lib/rebuild/fold-topic';
import { REBUILD_PHASES } from '../../lib/rebuild/rebuild';
import { transferSagaProjector } from '../../lib/saga/projector';
import type { LogRecord, SimLog } from './log';
import { Prng } from './prng';

/**
 * How the simulation rebuilds its read model from the log: `facts`, as `npm run rebuild` does
 * (REBUILD_PHASES: the account events, then the transaction outcomes and the saga folded, nothing
 * decided again); `redecide`, the old way, kept to show that the invariant tells them apart: the
 * deciding projectors run again over the requests (account, transaction and saga events).
 */
export const RebuildMode = { facts: 'facts', redecide: 'redecide' } as const;
export type RebuildMode = (typeof RebuildMode)[keyof typeof RebuildMode];
export const REBUILD_MODES: readonly RebuildMode[] = Object.values(RebuildMode);

/** The old way's phases: the deciding projectors from offset 0, accounts first. */
export const REDECIDE_PHASES: readonly (readonly TopicProjector[])[] = [
  [accountProjector],
  [transactionProjector, transferSagaProjector],
];

/** Batch size of a rebuild's invocation: 1 to this many records. */
const MAX_BATCH = 100;
/** Chance that an invocation redelivers records the fold projected already. */
const REDELIVERY_RATE = 0.1;
/** Rounds of retrying deferred records at the end of a phase (redecide mode only). */
const RETRY_ROUNDS = 5;
/** Differences listed per table in a violation's detail. */
const LISTED_PER_TABLE = 3;

/** The interleaving of a seed's rebuild: another stream than the run's. */
export const rebuildSeedOf = (seed: number): number => (seed * 7_919 + 1) >>> 0;

const logger = new Logger({ serviceName: 'billing-sim-rebuild', logLevel: 'SILENT' });

export interface RebuildOptions {
  readonly seed: number;
  readonly mode: RebuildMode;
  readonly log: SimLog;
  /** The live read model, compared after the rebuild. */
  readonly live: Pool;
  /** The run's clock at the end (processed markers and outbox rows of the rebuild). */
  readonly now: Date;
  readonly serverUrl?: string;
  /** Called with both read models before they are compared (a test corrupts one). */
  readonly beforeCompare?: (live: Pool, rebuilt: Pool) => Promise<void>;
}

export interface RebuildOutcome {
  readonly comparison: ReadModelComparison;
  readonly invocations: number;
  readonly redeliveries: number;
  /** Deferred records projected again at the end of a phase (redecide mode). */
  readonly retried: number;
}

/** One topic's fold: its projector and the next offset of each partition. */
interface Fold {
  readonly projector: TopicProjector;
  readonly positions: number[];
}

/**
 * A projector that notes the records it defers (by marker id, with their origin), so that the
 * old way's rebuild can retry them as the dead-letter retrier would.
 */
const noting = (projector: TopicProjector, deferred: Map<string, FreshRecord>): TopicProjector => ({
  name: projector.name,
  topic: projector.topic,
  async project(db, records, writes, context) {
    const output = await projector.project(db, records, writes, context);
    for (const { record } of output.deferred) deferred.set(record.event.eventId.toLowerCase(), record);
    return output;
  },
});

/**
 * Rebuilds the read model from the simulation's log into a fresh database (migrated, dropped
 * afterwards) under another interleaving than the run's, and compares it with the live one.
 *
 * The PRNG seeded by `rebuildSeedOf(seed)` chooses, invocation by invocation, which fold of the
 * phase goes on (phase 2 interleaves its folds), which partition, how many records (1 to 100), and
 * whether the invocation redelivers records already projected (the processed markers make it a
 * no-op). Records reach the projectors as the run's did: MSK events of the real builder, decoded
 * by the real decoder, through `projectMskEvent`, with the discarding publisher. No other fault: a
 * rebuild is a clean replay. A phase ends when every fold reached its topic's end.
 */
export async function rebuildAndCompare(options: RebuildOptions): Promise<RebuildOutcome> {
  const prng = new Prng(rebuildSeedOf(options.seed));
  const database = await createTestDatabase('billing_sim_rebuild', options.serverUrl);
  const deferred = new Map<string, FreshRecord>();
  let invocations = 0;
  let redeliveries = 0;
  let retried = 0;
  const now = options.now.toISOString();
  const project = async (projector: TopicProjector, records: readonly LogRecord[]) => {
    invocations += 1;
    const event = JSON.parse(
      JSON.stringify(buildMskEvent({ eventSourceArn: 'sim:rebuild', bootstrapServers: [], records })),
    ) as unknown;
    await projectMskEvent(
      decodeBillingMskEvent(event),
      { pool: database.pool, publisher: discardingPublisher, projector },
      { now, logger },
    );
  };
  try {
    const phases = options.mode === RebuildMode.facts ? REBUILD_PHASES : REDECIDE_PHASES;
    for (const phase of phases) {
      const folds: Fold[] = phase.map((projector) => ({
        projector: options.mode === RebuildMode.redecide ? noting(projector, deferred) : projector,
        positions: Array.from({ length: options.log.partitionsOf(projector.topic) }, () => 0),
      }));
      const pending = (fold: Fold) =>
        fold.positions.flatMap((position, partition) =>
          position < options.log.end(fold.projector.topic, partition) ? [partition] : [],
        );
      for (;;) {
        const open = folds.filter((fold) => pending(fold).length > 0);
        if (open.length === 0) break;
        const fold = prng.pick(open);
        const size = prng.between(1, MAX_BATCH);
        const projected = fold.positions.flatMap((position, partition) => (position > 0 ? [partition] : []));
        if (projected.length > 0 && prng.chance(REDELIVERY_RATE)) {
          const partition = prng.pick(projected);
          const position = fold.positions[partition] ?? 0;
          const from = Math.max(0, position - prng.between(1, MAX_BATCH));
          redeliveries += 1;
          await project(
            fold.projector,
            options.log.read(fold.projector.topic, partition, from, Math.min(size, position - from)),
          );
          continue;
        }
        const partition = prng.pick(pending(fold));
        const position = fold.positions[partition] ?? 0;
        const records = options.log.read(fold.projector.topic, partition, position, size);
        await project(fold.projector, records);
        fold.positions[partition] = position + records.length;
      }
      if (options.mode === RebuildMode.redecide)
        retried += await retryDeferred(database.pool, deferred, options.log, prng, project);
    }
    await options.beforeCompare?.(options.live, database.pool);
    const comparison = await compareReadModels(options.live, database.pool, {
      listedPerTable: LISTED_PER_TABLE,
    });
    return { comparison, invocations, redeliveries, retried };
  } finally {
    await database.drop().catch(() => undefined);
  }
}

/**
 * The old way's stand-in for the dead-letter retrier: every deferred record, in an order of the
 * rebuild's PRNG, has its processed marker removed and is projected again alone, for a few rounds
 * while some apply. Returns how many were projected again.
 */
async function retryDeferred(
  pool: Pool,
  deferred: Map<string, FreshRecord>,
  log: SimLog,
  prng: Prng,
  project: (projector: TopicProjector, records: readonly LogRecord[]) => Promise<void>,
): Promise<number> {
  let retried = 0;
  for (let round = 0; round < RETRY_ROUNDS && deferred.size > 0; round++) {
    const waiting = [...deferred];
    deferred.clear();
    for (let index = waiting.length - 1; index > 0; index--) {
      const other = prng.int(index + 1);
      [waiting[index], waiting[other]] = [
        waiting[other] as (typeof waiting)[number],
        waiting[index] as (typeof waiting)[number],
      ];
    }
    for (const [markerId, record] of waiting) {
      const projector = REDECIDE_PHASES.flat().find((candidate) => candidate.topic === record.origin.topic);
      if (!projector) continue;
      await pool.query('DELETE FROM processed_events WHERE consumer = $1 AND event_id = $2::uuid', [
        projector.name,
        markerId,
      ]);
      retried += 1;
      await project(
        noting(projector, deferred),
        log.read(record.origin.topic, record.origin.partition, Number(record.origin.offset), 1),
      );
    }
    if (deferred.size === waiting.length) break;
  }
  return retried;
}

/**
 * A comparison for a violation's detail: the counts of every table on one line, then the first
 * differences of each table (key, column, live and rebuilt values), one a line.
 */
export const comparisonDetail = (comparison: ReadModelComparison): string => {
  const counts = formatComparison(comparison).filter((line) => !line.startsWith('  '));
  const differences = comparison.tables.flatMap((table) =>
    table.listed.slice(0, LISTED_PER_TABLE).map((difference) => differenceLine(table.table, difference)),
  );
  return [counts.join('; '), ...differences].join('\n    ');
};
