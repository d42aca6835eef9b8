/**
 * What users feel under `sls offline` with the MSK emulator: events appended through the event
 * store at a steady rate, and the time from each acknowledged append until its effect is visible in
 * the read model (a poller on PostgreSQL), per projector and for a whole transfer. Prints
 * p50/p95/p99/max, the batching window of each trigger (serverless.yml), the goal (window + 100 ms)
 * and whether it is met, and a breakdown of where the time goes (docs/benchmarks.md).
 *
 *   npm run bench:latency -- [rate=1000] [seconds=60]
 *
 * It writes synthetic events to topics of its own (a copy of every billing topic, `test.latency.<id>.`,
 * which serverless.yml's triggers read under BILLING_TOPIC_PREFIX), with a database and consumer
 * groups of its own; it creates them and deletes them at the end. The billing topics are left as they
 * were.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { startOfflineApi } from '../../../lib/api/testing/offline-api';
import { createKafkaProducer, KafkaEventStore } from '../../../lib/kafka';
import { localConnection } from '../../../lib/kafka/testing/cluster';
import { billingTopics } from '../../../lib/kafka/topic-specs';
import { ProjectorName } from '../../../lib/ledger/constants';
import { cpuSeconds, processCpuSeconds } from '../../../lib/projection/bench/cpu';
import { createTestDatabase, type TestDatabase } from '../../../lib/projection/testing/database';
import { eventFactory } from '../../../lib/projection/testing/events';
import { TRANSFER_SAGA } from '../../../lib/saga/constants';
import { transferRequested } from '../../../lib/saga/testing/saga-run';
import type { BillingEvent } from '../../../schemas';
import { repoRoot } from '../../stack/paths';
import { eventually, type OfflineProcess } from '../testing/offline-process';
import {
  achievedRate,
  distributionLine,
  distributionOf,
  dueAtMs,
  dueBy,
  goalOf,
  keptUp,
  LATENCY_USAGE,
  LoadEvent,
  loadEventAt,
  metricsByFunction,
  parseLatencyArgs,
  slicesOf,
  type TriggerWindow,
  triggerWindowsOf,
} from './latency';

/** Accounts opened and funded before the load: the movements and transfers use them. */
const FUNDED_ACCOUNTS = 200;
const FUNDING_MINOR = 100_000_000;
/** The poller sleeps this long between two queries (its period is this plus the query). */
const POLL_SLEEP_MS = 5;
const PROGRESS_EVERY_MS = 5_000;
/** At most this many events per append (a late producer catches up in a few appends). */
const MAX_APPEND = 2_000;
const DRAIN_TIMEOUT_MS = 90_000;
const SETUP_TIMEOUT_MS = 240_000;
/** The latencies are also printed by slices of the load, to show a backlog growing. */
const TIMELINE_SLICE_MS = 10_000;

/** Wall-clock milliseconds with sub-millisecond precision (compared with PostgreSQL's timestamps). */
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One appended event of the load and what the poller saw of it. */
interface Tracked {
  readonly kind: LoadEvent;
  /** The row id the poller looks for: account, transaction or transfer id. */
  readonly rowId: string;
  readonly eventId: string;
  readonly dueAt: number;
  sentAt: number;
  ackAt?: number;
  /** The account or transaction row exists; for a transfer, its row exists (the saga's first step). */
  visibleAt?: number;
  /** A transfer's row is completed (or failed: `status`). */
  endedAt?: number;
  status?: string;
}

/** What each load event makes visible, and the projector whose marker says when its handler ran. */
const projectorOf: Record<LoadEvent, string> = {
  openAccount: ProjectorName.account,
  topup: ProjectorName.transaction,
  withdrawal: ProjectorName.transaction,
  transfer: TRANSFER_SAGA,
};

/**
 * Polls the read model for the rows still pending, with one query per round: a row seen in a
 * round was committed before that round's statement began (its snapshot), so the round's start
 * is when it became visible, to within the poll period.
 */
class VisibilityPoller {
  readonly accounts = new Map<string, Tracked>();
  readonly transactions = new Map<string, Tracked>();
  readonly transfersStarted = new Map<string, Tracked>();
  readonly transfersEnded = new Map<string, Tracked>();
  readonly periods: number[] = [];
  #running = false;
  #loop?: Promise<void>;
  #failure: unknown;

  constructor(private readonly client: Client) {}

  track(record: Tracked): void {
    if (record.kind === LoadEvent.openAccount) this.accounts.set(record.rowId, record);
    else if (record.kind === LoadEvent.transfer) {
      this.transfersStarted.set(record.rowId, record);
      this.transfersEnded.set(record.rowId, record);
    } else this.transactions.set(record.rowId, record);
  }

  get pending(): number {
    return (
      this.accounts.size + this.transactions.size + this.transfersStarted.size + this.transfersEnded.size
    );
  }

  start(): void {
    this.#running = true;
    // A failed poll ends the loop; stop() reports it (caught here so that it is never unhandled).
    this.#loop = this.#run().catch((error: unknown) => {
      this.#failure = error;
    });
  }

  /** Ends the loop; throws what made a poll fail, if one did while it was meant to run. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async #run(): Promise<void> {
    let previous: number | undefined;
    while (this.#running) {
      const at = now();
      if (previous !== undefined) this.periods.push(at - previous);
      previous = at;
      if (this.pending > 0) await this.#poll(at);
      await sleep(POLL_SLEEP_MS);
    }
  }

  async #poll(at: number): Promise<void> {
    const { rows } = await this.client.query<{ kind: string; id: string; status: string | null }>(
      `SELECT 'account' AS kind, account_id::text AS id, NULL AS status FROM accounts WHERE account_id = ANY($1::uuid[])
       UNION ALL
       SELECT 'transaction', transaction_id::text, NULL FROM transactions WHERE transaction_id = ANY($2::uuid[])
       UNION ALL
       SELECT 'started', transfer_id::text, status FROM transfers WHERE transfer_id = ANY($3::uuid[])
       UNION ALL
       SELECT 'ended', transfer_id::text, status FROM transfers
        WHERE transfer_id = ANY($4::uuid[]) AND status IN ('completed', 'failed')`,
      [
        [...this.accounts.keys()],
        [...this.transactions.keys()],
        [...this.transfersStarted.keys()],
        [...this.transfersEnded.keys()],
      ],
    );
    for (const row of rows) {
      const pending =
        row.kind === 'account'
          ? this.accounts
          : row.kind === 'transaction'
            ? this.transactions
            : row.kind === 'started'
              ? this.transfersStarted
              : this.transfersEnded;
      const record = pending.get(row.id);
      if (!record) continue;
      pending.delete(row.id);
      if (row.kind === 'ended') {
        record.endedAt = at;
        record.status = row.status ?? undefined;
      } else record.visibleAt = at;
    }
  }
}

/** The funded accounts: opened, then topped up, both waited for (this also warms the functions up). */
async function fundAccounts(
  store: KafkaEventStore,
  db: TestDatabase,
  offline: OfflineProcess,
): Promise<string[]> {
  const events = eventFactory();
  const accounts = Array.from({ length: FUNDED_ACCOUNTS }, () => randomUUID());
  const append = async (batch: readonly BillingEvent[]) => {
    const result = await store.appendMany(batch);
    if (!result.ok) throw new Error(`append refused: ${result.rejection.message}`);
  };
  const count = async (sql: string, params: unknown[]) =>
    Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]?.n);
  const failure = (what: string) => () => `${what}; sls offline said:\n${offline.output().slice(-3_000)}`;

  await append(accounts.map((id) => events.opened(id)));
  await eventually(
    async () =>
      (await count('SELECT count(*) AS n FROM accounts WHERE account_id = ANY($1::uuid[])', [accounts])) ===
      accounts.length
        ? true
        : undefined,
    SETUP_TIMEOUT_MS,
    failure('the funded accounts were not opened'),
  );
  await append(accounts.map((id) => events.topup(id, FUNDING_MINOR)));
  await eventually(
    async () =>
      (await count(
        'SELECT count(*) AS n FROM accounts WHERE account_id = ANY($1::uuid[]) AND balance_minor > 0',
        [accounts],
      )) === accounts.length
        ? true
        : undefined,
    SETUP_TIMEOUT_MS,
    failure('the funded accounts were not topped up'),
  );
  // A few transfers, so that every function has run its whole path once before the load.
  const warmUp = Array.from({ length: 10 }, (_, index) =>
    transferRequested(accounts[index] ?? '', accounts[index + 1] ?? '', 1),
  );
  await append(warmUp);
  const ids = warmUp.map((event) => event.aggregateId);
  await eventually(
    async () =>
      (await count(
        `SELECT count(*) AS n FROM transfers WHERE transfer_id = ANY($1::uuid[]) AND status = 'completed'`,
        [ids],
      )) === ids.length
        ? true
        : undefined,
    SETUP_TIMEOUT_MS,
    failure('the warm-up transfers did not complete'),
  );
  return accounts;
}

/** The event of the load at `index`, and the row it makes visible. */
function loadEvent(
  index: number,
  accounts: readonly string[],
  events: ReturnType<typeof eventFactory>,
): { readonly kind: LoadEvent; readonly event: BillingEvent; readonly rowId: string } {
  const kind = loadEventAt(index);
  const account = accounts[index % accounts.length] ?? '';
  switch (kind) {
    case LoadEvent.openAccount: {
      const accountId = randomUUID();
      return { kind, event: events.opened(accountId), rowId: accountId };
    }
    case LoadEvent.topup: {
      const event = events.topup(account, 1 + (index % 100));
      return { kind, event, rowId: event.aggregateId };
    }
    case LoadEvent.withdrawal: {
      const event = events.withdrawal(account, 1 + (index % 50));
      return { kind, event, rowId: event.aggregateId };
    }
    case LoadEvent.transfer: {
      const to = accounts[(index + 1) % accounts.length] ?? '';
      const event = transferRequested(account, to, 1);
      return { kind, event, rowId: event.aggregateId };
    }
    default: {
      const unhandled: never = kind;
      throw new Error(`unhandled load event ${String(unhandled)}`);
    }
  }
}

/** Appends `total` events on the absolute schedule `rate`; every event is tracked from its send. */
async function paceLoad(options: {
  readonly store: KafkaEventStore;
  readonly accounts: readonly string[];
  readonly rate: number;
  readonly total: number;
  readonly poller: VisibilityPoller;
  readonly tracked: Tracked[];
}): Promise<{ readonly startAt: number; readonly appends: number }> {
  const { store, accounts, rate, total, poller, tracked } = options;
  const events = eventFactory();
  const startAt = now() + 50;
  let next = 0;
  let appends = 0;
  while (next < total) {
    const due = dueBy(now() - startAt, rate, total);
    if (due <= next) {
      await sleep(Math.max(1, startAt + dueAtMs(next, rate) - now()));
      continue;
    }
    const upto = Math.min(due, next + MAX_APPEND);
    const batch: BillingEvent[] = [];
    const records: Tracked[] = [];
    const sentAt = now();
    for (let index = next; index < upto; index += 1) {
      const { kind, event, rowId } = loadEvent(index, accounts, events);
      batch.push(event);
      records.push({
        kind,
        rowId,
        eventId: event.eventId,
        dueAt: startAt + dueAtMs(index, rate),
        sentAt,
      });
    }
    for (const record of records) {
      tracked.push(record);
      poller.track(record);
    }
    const result = await store.appendMany(batch);
    if (!result.ok) throw new Error(`append refused: ${result.rejection.message}`);
    const ackAt = now();
    for (const record of records) record.ackAt = ackAt;
    appends += 1;
    next = upto;
  }
  return { startAt, appends };
}

/** When each event's handler began its batch: the processed marker's time (the handler's clock). */
async function handlerStarts(
  db: TestDatabase,
  tracked: readonly Tracked[],
): Promise<Map<string, { at: number; partition: number }>> {
  const starts = new Map<string, { at: number; partition: number }>();
  for (let offset = 0; offset < tracked.length; offset += 10_000) {
    const chunk = tracked.slice(offset, offset + 10_000);
    const { rows } = await db.pool.query<{
      consumer: string;
      event_id: string;
      at: number;
      partition: number;
    }>(
      `SELECT consumer, event_id::text, extract(epoch FROM processed_at)::float8 * 1000 AS at, partition
         FROM processed_events WHERE event_id = ANY($1::uuid[])`,
      [chunk.map((record) => record.eventId)],
    );
    const byId = new Map(chunk.map((record) => [record.eventId, record]));
    for (const row of rows) {
      const record = byId.get(row.event_id);
      if (record && projectorOf[record.kind] === row.consumer) {
        starts.set(row.event_id, { at: row.at, partition: row.partition });
      }
    }
  }
  return starts;
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const f0 = (value: number) => (Number.isFinite(value) ? String(Math.round(value)) : '-');

async function scrape(offline: OfflineProcess): Promise<Map<string, Map<string, number>>> {
  return metricsByFunction(await fetch(offline.metricsUrl).then((response) => response.text()));
}

/** Per function: mean records per invocation and mean invocation time between two scrapes. */
function invocationStats(
  before: Map<string, Map<string, number>>,
  after: Map<string, Map<string, number>>,
  fn: string,
) {
  const delta = (name: string) => (after.get(name)?.get(fn) ?? 0) - (before.get(name)?.get(fn) ?? 0);
  const invocations = delta('msk_offline_invocation_duration_seconds_count');
  return {
    invocations,
    meanMs: (delta('msk_offline_invocation_duration_seconds_sum') * 1000) / invocations,
    records: delta('msk_offline_batch_size_sum'),
    meanBatch: delta('msk_offline_batch_size_sum') / delta('msk_offline_batch_size_count'),
    errors: delta('msk_offline_invocation_errors_total'),
  };
}

async function main(): Promise<void> {
  const parsed = parseLatencyArgs(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`bench:latency: ${parsed.message}\n${LATENCY_USAGE}`);
    process.exit(2);
  }
  const { rate, durationSeconds } = parsed.args;
  const total = Math.round(rate * durationSeconds);
  const windows = triggerWindowsOf(parse(readFileSync(join(repoRoot, 'serverless.yml'), 'utf8')));
  const windowOf = (fn: string): TriggerWindow => {
    const trigger = windows.get(fn);
    if (!trigger) throw new Error(`serverless.yml has no msk trigger for ${fn}`);
    return trigger;
  };
  const loadAtStart = load();
  console.log(
    [
      `bench:latency: ${rate} events/s for ${durationSeconds} s (${total} events: 90% top-ups and withdrawals, 5% account openings, 5% transfers) through the event store, under sls offline with the MSK emulator`,
      "  on topics of this run's own (test.latency.<id>.billing.*, deleted at the end), with its own consumer groups",
      '  and database: the billing.* topics, and a running `npm start`, see none of it.',
      `  batching windows (serverless.yml): ${[...windows].map(([fn, w]) => `${fn} ${w.windowMs} ms, batch ${w.batchSize}`).join('; ')}`,
      `  load average at start: ${loadAtStart} (2 cores)`,
    ].join('\n'),
  );

  // sls offline runs in a process group of its own, which Ctrl-C does not reach: it is stopped
  // here, and the database dropped. Listening (not once): tsx relays the signal its group also
  // got, and a second SIGINT with no listener would end this process before the clean-up.
  let interrupted = false;
  let onInterrupt: (() => void) | undefined;
  process.on('SIGINT', () => {
    if (interrupted) return;
    interrupted = true;
    console.error('bench:latency: interrupted; stopping sls offline and dropping the database');
    onInterrupt?.();
  });
  const db = await createTestDatabase('billing_latency_bench');
  let offline: OfflineProcess | undefined;
  let store: KafkaEventStore | undefined;
  const pollClient = new Client({ connectionString: db.url });
  let poller: VisibilityPoller | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await poller?.stop().catch(() => undefined);
      await store?.disconnect().catch(() => undefined);
      await pollClient.end().catch(() => undefined);
      await offline?.stop();
      await db.drop();
    })();
    return cleaning;
  };
  onInterrupt = () => {
    cleanUp().then(
      () => process.exit(130),
      (error: unknown) => {
        console.error(`bench:latency: the clean-up failed (database ${db.name}):`, error);
        process.exit(1);
      },
    );
  };
  if (interrupted) {
    // Interrupted while the database was being made: nothing else runs yet.
    await db.drop();
    process.exit(130);
  }
  try {
    await pollClient.connect();
    const started = await startOfflineApi({
      databaseUrl: db.url,
      functions: ['accountProjector', 'transactionProjector', 'transferSaga'],
      label: 'latency',
    });
    offline = started;
    // The load goes to the run's topics, which the triggers read.
    store = new KafkaEventStore({
      producer: createKafkaProducer(await localConnection()),
      topicAliases: started.topics.aliases(),
    });
    await store.connect();
    const setupStarted = now();
    const accounts = await fundAccounts(store, db, offline);
    console.log(
      `  setup: ${FUNDED_ACCOUNTS} accounts opened and funded, 10 warm-up transfers completed in ${((now() - setupStarted) / 1000).toFixed(1)} s`,
    );

    const visibility = new VisibilityPoller(pollClient);
    poller = visibility;
    const tracked: Tracked[] = [];
    const metricsBefore = await scrape(offline);
    const cpuBefore = { ...cpuSeconds(), offline: processCpuSeconds(offline.pid) };
    const steadyStarted = now();
    visibility.start();
    const progress = setInterval(() => {
      const acked = tracked.filter((record) => record.ackAt !== undefined).length;
      const seen = (kind: (record: Tracked) => boolean) => tracked.filter(kind).length;
      console.log(
        `  t=${((now() - steadyStarted) / 1000).toFixed(0)}s sent ${tracked.length}, acknowledged ${acked}, visible: accounts ${seen((r) => r.kind === LoadEvent.openAccount && r.visibleAt !== undefined)}, transactions ${seen((r) => (r.kind === LoadEvent.topup || r.kind === LoadEvent.withdrawal) && r.visibleAt !== undefined)}, transfers started ${seen((r) => r.kind === LoadEvent.transfer && r.visibleAt !== undefined)}, ended ${seen((r) => r.endedAt !== undefined)}; pending ${visibility.pending}`,
      );
    }, PROGRESS_EVERY_MS);
    let paced: { startAt: number; appends: number };
    try {
      paced = await paceLoad({ store, accounts, rate, total, poller: visibility, tracked });
      const drainDeadline = now() + DRAIN_TIMEOUT_MS;
      while (visibility.pending > 0 && now() < drainDeadline) await sleep(100);
    } finally {
      clearInterval(progress);
      await visibility.stop();
    }
    const cpuAfter = { ...cpuSeconds(), offline: processCpuSeconds(offline.pid) };
    const metricsAfter = await scrape(offline);
    const steadySeconds = (now() - steadyStarted) / 1000;
    const loadAtEnd = load();

    const lastAck = Math.max(...tracked.map((record) => record.ackAt ?? 0));
    const rateAchieved = achievedRate(
      tracked.filter((r) => r.ackAt !== undefined).length,
      lastAck - paced.startAt,
    );
    const lateness = distributionOf(tracked.map((record) => record.sentAt - record.dueAt));
    const appendTime = distributionOf(tracked.map((record) => (record.ackAt ?? Number.NaN) - record.sentAt));
    const starts = await handlerStarts(db, tracked);

    const of = (kinds: readonly LoadEvent[]) => tracked.filter((record) => kinds.includes(record.kind));
    const groups = [
      {
        label: 'account projector (account row)',
        fn: 'accountProjector',
        records: of([LoadEvent.openAccount]),
      },
      {
        label: 'transaction projector (transaction row)',
        fn: 'transactionProjector',
        records: of([LoadEvent.topup, LoadEvent.withdrawal]),
      },
      { label: 'transfer saga (transfer row)', fn: 'transferSaga', records: of([LoadEvent.transfer]) },
    ];
    const latency = (record: Tracked, until: number | undefined) =>
      until === undefined || record.ackAt === undefined ? undefined : until - record.ackAt;
    const defined = (values: readonly (number | undefined)[]) =>
      values.filter((value): value is number => value !== undefined);
    const transfers = of([LoadEvent.transfer]);
    const whole = distributionOf(
      defined(transfers.filter((r) => r.status === 'completed').map((r) => latency(r, r.endedAt))),
    );
    const failedTransfers = transfers.filter((r) => r.status === 'failed').length;
    const periods = distributionOf(visibility.periods);

    const lines: string[] = [
      '',
      `load:        ${tracked.length} events in ${paced.appends} appends; rate achieved ${rateAchieved.toFixed(1)} events/s (asked ${rate}); send lateness p50 ${f0(lateness.p50)} ms, p99 ${f0(lateness.p99)} ms, max ${f0(lateness.max)} ms; append (send to ack) p50 ${f0(appendTime.p50)} ms, p99 ${f0(appendTime.p99)} ms`,
      `resolution:  the poller's period p50 ${periods.p50.toFixed(1)} ms, p99 ${periods.p99.toFixed(1)} ms (one query for every pending row; a latency is over-read by at most one period)`,
      '',
      'latency from the acknowledged append to the effect visible in PostgreSQL:',
    ];
    const verdicts: string[] = [];
    for (const group of groups) {
      const distribution = distributionOf(defined(group.records.map((r) => latency(r, r.visibleAt))));
      const window = windowOf(group.fn);
      const goal = goalOf(window.windowMs, distribution);
      const missing = group.records.length - distribution.count;
      lines.push(
        `  ${distributionLine(group.label, distribution)}  goal p99 <= ${goal.goalMs} ms: ${goal.met ? 'met' : 'NOT met'} (ratio ${goal.ratio.toFixed(2)})${missing > 0 ? `; ${missing} never visible` : ''}`,
      );
      verdicts.push(`${group.fn} ${goal.met ? 'met' : 'not met'}`);
    }
    lines.push(
      `  ${distributionLine('whole transfer (completed)', whole)}  crosses 5 triggers (saga 3x, transactions 2x): the goal is per trigger${failedTransfers > 0 ? `; ${failedTransfers} failed` : ''}${transfers.length - whole.count - failedTransfers > 0 ? `; ${transfers.length - whole.count - failedTransfers} not ended` : ''}`,
      '',
      'where the time goes (per projector: wait = ack to the handler starting its batch, from the processed marker;',
      'handler = the handler starting to the row visible: its transaction, commit and the poll):',
    );
    const dominant: string[] = [];
    for (const group of groups) {
      const window = windowOf(group.fn);
      const wait: number[] = [];
      const handler: number[] = [];
      const batches = new Map<string, number>();
      for (const record of group.records) {
        const start = starts.get(record.eventId);
        if (!start || record.ackAt === undefined || record.visibleAt === undefined) continue;
        wait.push(start.at - record.ackAt);
        handler.push(record.visibleAt - start.at);
        const batch = `${start.partition}|${start.at}`;
        batches.set(batch, Math.min(batches.get(batch) ?? Number.POSITIVE_INFINITY, record.ackAt));
      }
      const firstWait = distributionOf(
        [...batches].map(([key, firstAck]) => Number(key.split('|')[1]) - firstAck),
      );
      const stats = invocationStats(metricsBefore, metricsAfter, group.fn);
      const topic = billingTopics.find((spec) => spec.name === window.topic);
      const share = group.records.length / Math.max(1, tracked.length);
      const perPartitionPerWindow = topic
        ? (rate * share * (window.windowMs / 1000)) / topic.partitions
        : Number.NaN;
      const waitOf = distributionOf(wait);
      const handlerOf = distributionOf(handler);
      const totalOf = distributionOf(defined(group.records.map((r) => latency(r, r.visibleAt))));
      const points: { at: number; value: number }[] = [];
      for (const record of group.records) {
        const value = latency(record, record.visibleAt);
        if (value !== undefined) points.push({ at: record.dueAt - paced.startAt, value });
      }
      const timeline = slicesOf(points, TIMELINE_SLICE_MS);
      const handlerPart = `p50 ${f0(handlerOf.p50)} ms from the handler's start to the row visible (its transaction, commit and the poll; invocations ${f0(stats.meanMs)} ms on average)`;
      dominant.push(
        keptUp(firstWait, window.windowMs)
          ? `  ${group.fn}: ${waitOf.p50 >= handlerOf.p50 ? 'waiting for its batch' : 'the handler'} dominates: of p50 ${f0(totalOf.p50)} ms, p50 ${f0(waitOf.p50)} ms before the handler started (the ${window.windowMs} ms window, and for a batch's first record p50 ${f0(firstWait.p50 - window.windowMs)} ms more: the fetch, a free invocation slot and serverless-offline starting the handler), ${handlerPart}`
          : `  ${group.fn}: queueing dominates: it did not keep up (${stats.records} records of ${window.topic} projected in the ${steadySeconds.toFixed(0)} s of the load and its drain; a batch's first record waited p50 ${f0(firstWait.p50)} ms for a ${window.windowMs} ms window), so of p50 ${f0(totalOf.p50)} ms, p50 ${f0(waitOf.p50)} ms were spent before the handler started; ${handlerPart}`,
      );
      lines.push(
        `  ${group.fn}:`,
        `    ${distributionLine('wait before the handler', waitOf)}`,
        `    ${distributionLine('handler to visible', handlerOf)}`,
        `    ${distributionLine("batch's first record: wait", firstWait)}  (window ${window.windowMs} ms)`,
        `    p50/p99 by ${TIMELINE_SLICE_MS / 1000} s of the load: ${timeline.map((slice) => `${f0(slice.p50)}/${f0(slice.p99)}`).join(', ')} ms`,
        `    invocations ${stats.invocations} (errors ${stats.errors}), ${stats.records} records, mean ${f0(stats.meanMs)} ms, mean ${stats.meanBatch.toFixed(1)} records (all records of ${window.topic}, batch size ${window.batchSize}); ${stats.meanBatch >= 0.9 * window.batchSize ? 'batches were full: records queued' : 'batches were not full: each waited out the window'}; this load's own events: ${perPartitionPerWindow.toFixed(0)} per partition per window`,
      );
    }
    const cpu = (key: 'node' | 'postgres' | 'kafka') => (cpuAfter[key] - cpuBefore[key]) / steadySeconds;
    const offlineMain = (cpuAfter.offline.mainThread - cpuBefore.offline.mainThread) / steadySeconds;
    const offlineAll = (cpuAfter.offline.all - cpuBefore.offline.all) / steadySeconds;
    lines.push(
      '',
      `CPU (cores used, mean over ${steadySeconds.toFixed(0)} s): sls offline main thread ${offlineMain.toFixed(2)}, its workers ${(offlineAll - offlineMain).toFixed(2)}, PostgreSQL ${cpu('postgres').toFixed(2)}, Kafka ${cpu('kafka').toFixed(2)}, this process ${cpu('node').toFixed(2)} (whole servers: other work on the machine counts too)`,
      `load average: start ${loadAtStart}, end ${loadAtEnd} (2 cores)`,
      `goal (p99 <= batching window + 100 ms): ${verdicts.join(', ')}`,
      'what dominates:',
      ...dominant,
      `  a whole transfer crosses the triggers 5 times: p50 ${f0(whole.p50)} ms is about 5 of those waits`,
    );
    console.log(lines.join('\n'));
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
