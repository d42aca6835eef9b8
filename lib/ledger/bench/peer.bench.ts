/**
 * Our projector beside a peer: the same transaction events, on the same cluster, into the same
 * PostgreSQL, projected once by our transaction projector (rules, ledger, processed markers,
 * outbox published) and once by Kafka Connect (standalone, the cluster's Kafka version) with
 * Debezium's JDBC sink (one plain insert per event); with the raw ceiling (kafkajs consuming the
 * same records, no work) beside both.
 *
 *   npm run bench:peer -- [events=200000] [batchSize=1000] [accounts=10000] [environments=2] [--keep]
 *
 * Everything it writes is its own: `bench.peer.<run>.*` topics (the events, and our outbox through
 * the event store's topic aliases), a `billing_peer_*` database holding both our read model and the
 * peer's table, a consumer group per reader; all deleted at the end (`--keep` keeps the database).
 * Connect's jars, files and log go under `.stack/`. `environments` is both our projector's execution
 * environments (worker threads, partition p in environment p mod n) and the connector's tasks.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { freePort } from '../../../local/stack/free-port';
import { bootstrapBrokers } from '../../../local/stack/topology';
import { TopicName } from '../../../schemas';
import { createKafkaProducer, KafkaEventStore } from '../../kafka';
import { localConnection } from '../../kafka/testing/cluster';
import { buildMskEvent, type KafkaRecordInput } from '../../msk';
import { type CpuSeconds, cpuPerEvent, cpuSeconds } from '../../projection/bench/cpu';
import { Environments } from '../../projection/bench/environments';
import { makeTransactions } from '../../projection/bench/transactions';
import { createTestDatabase } from '../../projection/testing/database';
import { eventFactory } from '../../projection/testing/events';
import { LOCAL_CLUSTER_ARN, MskHarness, type Offsets } from '../../projection/testing/msk-harness';
import { invariantViolations } from '../../projection/testing/read-model';
import { BenchProjector, openBenchProjection } from './peer/bench-projection';
import { benchTopics } from './peer/bench-topics';
import { jdbcTargetOf, peerTableDdl } from './peer/connect-config';
import {
  ensureConnectJars,
  findConnectJavaHome,
  processCpuSeconds,
  type RunningConnect,
  startConnect,
} from './peer/connect-launcher';

const [events = 200_000, batchSize = 1_000, accountCount = 10_000, environments = 2] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
  .map(Number);

const PEER_TABLE = 'peer_events';
/** Invocations of one batch before the benchmark gives up. */
const MAX_ATTEMPTS = 3;

const log = (line: string) => process.stdout.write(`${line}\n`);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const elapsedSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** The MSK event of records read from a benchmark topic, labelled with the billing topic they stand for. */
const mskEventOf = (contractTopic: TopicName, records: readonly KafkaRecordInput[]) =>
  buildMskEvent({
    eventSourceArn: LOCAL_CLUSTER_ARN,
    bootstrapServers: bootstrapBrokers,
    records: records.map((record) => ({ ...record, topic: contractTopic })),
  });

/**
 * Reads a range, calling `work` per fetched batch (several partitions concurrently); `work` reports
 * each run of records it has finished. Progress is counted by offset, per partition: records read
 * again (after the consumer group rebalanced, when a batch outlived the session timeout on a busy
 * machine) count once, and are reported apart.
 */
async function timedRange(
  harness: MskHarness,
  starts: Offsets,
  ends: Offsets,
  label: string,
  work: (records: KafkaRecordInput[], done: (records: readonly KafkaRecordInput[]) => void) => Promise<void>,
  options: { readonly maxBytesPerPartition?: number } = {},
): Promise<{ seconds: number; count: number; reread: number }> {
  const reached = new Map<string, bigint>();
  let count = 0;
  let reread = 0;
  const done = (records: readonly KafkaRecordInput[]) => {
    const last = records.at(-1);
    if (last === undefined) return;
    const id = `${last.topic}|${last.partition}`;
    const before = reached.get(id) ?? BigInt(starts.get(last.topic)?.get(last.partition) ?? '0');
    const next = BigInt(last.offset) + 1n;
    const fresh = next > before ? Number(next - before) : 0;
    count += fresh;
    reread += records.length - fresh;
    if (next > before) reached.set(id, next);
  };
  const started = process.hrtime.bigint();
  const progress = setInterval(
    () => log(`  ${label}: ${thousands(count)} events, ${thousands(count / elapsedSince(started))}/s`),
    2_000,
  );
  try {
    await harness.readRange(starts, ends, (records) => work(records, done), {
      timeoutMs: 900_000,
      ...options,
    });
  } finally {
    clearInterval(progress);
  }
  if (reread > 0) log(`  ${label}: ${thousands(reread)} records read twice (consumer group rebalanced)`);
  return { seconds: elapsedSince(started), count, reread };
}

interface PeerRun {
  readonly rows: number;
  readonly seconds: number;
  readonly cpu: CpuSeconds & { readonly connect: number };
}

/**
 * Waits for the connector to insert `expected` rows, polling the table's count: the time runs from
 * the first count above zero to the count that reaches `expected`, and the rate counts the rows
 * inserted between those two polls (so the worker's start-up is left out).
 */
async function awaitPeerRows(
  connect: RunningConnect,
  connector: string,
  count: () => Promise<number>,
  expected: number,
): Promise<PeerRun> {
  const started = Date.now();
  let first: { rows: number; at: bigint; cpu: CpuSeconds; connectCpu: number } | undefined;
  let rows = 0;
  let lastProgress = Date.now();
  let lastChange = Date.now();
  let lastStatus = 0;
  for (;;) {
    const now = Date.now();
    const current = await count();
    if (current !== rows) lastChange = now;
    rows = current;
    if (rows > 0 && first === undefined) {
      first = {
        rows,
        at: process.hrtime.bigint(),
        cpu: cpuSeconds(),
        connectCpu: processCpuSeconds(connect.pid),
      };
    }
    if (rows >= expected && first) {
      const seconds = elapsedSince(first.at);
      const cpu = cpuPerEvent(first.cpu, cpuSeconds(), rows - first.rows);
      const connectCpu = ((processCpuSeconds(connect.pid) - first.connectCpu) * 1e6) / (rows - first.rows);
      return { rows: rows - first.rows, seconds, cpu: { ...cpu, connect: connectCpu } };
    }
    if (now - lastStatus >= 2_000) {
      lastStatus = now;
      const status = await connect.status(connector);
      const failed = status?.tasks.find((task) => task.state === 'FAILED');
      if (status?.connector.state === 'FAILED' || failed) {
        throw new Error(
          `the JDBC sink failed (log: ${connect.logFile}):\n${failed?.trace ?? JSON.stringify(status)}`,
        );
      }
      if (now - lastProgress >= 2_000) {
        lastProgress = now;
        const phase =
          first === undefined
            ? `waiting for the worker and its first rows (${Math.round((now - started) / 1000)} s; connector ${status?.connector.state ?? 'not up yet'})`
            : `${thousands(rows)} rows, ${thousands((rows - first.rows) / elapsedSince(first.at))}/s`;
        log(`  kafka connect: ${phase}`);
      }
    }
    if (first === undefined ? now - started > 300_000 : now - lastChange > 120_000) {
      throw new Error(`the JDBC sink stopped at ${rows} of ${expected} rows (log: ${connect.logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function createTopics(admin: Admin, topics: ReturnType<typeof benchTopics>['topics']): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({
      topic: topic.name,
      numPartitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
    })),
  });
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const run = randomUUID().slice(0, 8);
  const connector = `bench-peer-${run}`;
  log(
    `run ${run}: ${thousands(events)} transaction events over ${thousands(accountCount)} accounts; ` +
      `MSK batches of at most ${batchSize} records per partition in ${environments} execution environment(s); ` +
      `the JDBC sink with ${environments} task(s), batches of ${batchSize}`,
  );

  // 0. Kafka Connect and the JDBC sink (fetched once into .stack/), and a JDK for them.
  const jars = await ensureConnectJars(log);
  const javaHome = findConnectJavaHome();
  log(
    `Kafka Connect ${jars.kafkaVersion} (the cluster's), Debezium JDBC sink ${jars.sinkVersion}, Java ${javaHome}`,
  );

  const harness = await MskHarness.start();
  const { topics, aliases } = benchTopics(run);
  const admin = harness.admin;
  await createTopics(admin, topics);
  const source = aliases[TopicName.transactionEvents];
  const store = new KafkaEventStore({
    producer: createKafkaProducer(await localConnection()),
    topicAliases: aliases,
  });
  await store.connect();
  const db = await createTestDatabase('billing_peer');
  let connect: RunningConnect | undefined;
  try {
    log(`database ${db.name}; topics ${topics.map((topic) => topic.name).join(', ')}`);
    const append = async (batch: Parameters<KafkaEventStore['appendMany']>[0]) => {
      const result = await store.appendMany(batch);
      if (!result.ok) throw new Error(`append refused: ${result.rejection.message}`);
    };

    // 1. Open the accounts (on the benchmark's account topic) and project them in this process.
    const accounts = Array.from({ length: accountCount }, () => randomUUID());
    const factory = eventFactory();
    for (let index = 0; index < accounts.length; index += 2_000) {
      await append(accounts.slice(index, index + 2_000).map((account) => factory.opened(account)));
    }
    const accountTopic = aliases[TopicName.accountEvents];
    const accountEnds = await harness.endOffsets([accountTopic]);
    const opening = await openBenchProjection({ databaseUrl: db.url, aliases, poolSize: 10 });
    try {
      await timedRange(harness, new Map(), accountEnds, 'opening accounts', async (records, done) => {
        for (let index = 0; index < records.length; index += batchSize) {
          const chunk = records.slice(index, index + batchSize);
          await opening.project(
            BenchProjector.account,
            JSON.parse(JSON.stringify(mskEventOf(TopicName.accountEvents, chunk))),
          );
          done(chunk);
        }
      });
    } finally {
      await opening.close();
    }
    log(`opened ${thousands(accountCount)} accounts`);

    // 2. The transaction events, once, on the benchmark's transaction topic: both readers read these records.
    const transactions = makeTransactions(accounts, events);
    const loadStarted = process.hrtime.bigint();
    for (let index = 0; index < transactions.length; index += 5_000) {
      await append(transactions.slice(index, index + 5_000));
      if ((index / 5_000) % 10 === 0) log(`  loading: ${thousands(index + 5_000)} / ${thousands(events)}`);
    }
    const ends = await harness.endOffsets([source]);
    const starts: Offsets = new Map();
    log(`loaded ${thousands(events)} events on ${source} in ${elapsedSince(loadStarted).toFixed(1)} s`);

    // 3. The raw ceiling: kafkajs consuming the same records, doing no work.
    const raw = await timedRange(harness, starts, ends, 'raw kafkajs', async (records, done) =>
      done(records),
    );
    log(
      `raw ceiling: ${thousands(raw.count)} events in ${raw.seconds.toFixed(2)} s = ${thousands(raw.count / raw.seconds)} events/s`,
    );

    // 4. Our transaction projector, in Lambda-like execution environments.
    const lambdas = await Environments.start(environments, {
      workerFile: join(__dirname, 'peer', 'projector-worker.ts'),
      workerData: { databaseUrl: db.url, aliases, poolSize: 10, projector: BenchProjector.transaction },
      resultOf: (reply) => Number(reply.deadLettered ?? 0),
    });
    let ours: { seconds: number; count: number; reread: number };
    let deadLettered = 0;
    let redeliveries = 0;
    let invocations = 0;
    const cpuBefore = cpuSeconds();
    let cpuAfter: CpuSeconds;
    try {
      ours = await timedRange(
        harness,
        starts,
        ends,
        'our projector',
        async (records, done) => {
          for (let index = 0; index < records.length; index += batchSize) {
            const chunk = records.slice(index, index + batchSize);
            const partition = chunk[0]?.partition ?? 0;
            const event = JSON.stringify(mskEventOf(TopicName.transactionEvents, chunk));
            // A failed invocation is redelivered, as MSK does (the processed markers make it safe).
            for (let attempt = 1; ; attempt++) {
              try {
                const dead = await lambdas.invoke(partition, event);
                deadLettered += dead;
                invocations++;
                done(chunk);
                break;
              } catch (error) {
                if (attempt >= MAX_ATTEMPTS) throw error;
                redeliveries++;
                log(
                  `  partition ${partition}: invocation failed, redelivered (${attempt}/${MAX_ATTEMPTS - 1}): ${error instanceof Error ? error.message : String(error)}`,
                );
                await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
              }
            }
          }
        },
        // About one MSK batch per fetch, as the trigger delivers them: a fetch of several must
        // finish within the consumer's session timeout, or the group rebalances and reads again.
        { maxBytesPerPartition: batchSize * 600 },
      );
    } finally {
      cpuAfter = cpuSeconds();
      await lambdas.stop();
    }
    const oursCpu = cpuPerEvent(cpuBefore, cpuAfter, ours.count);
    log(
      `our projector: ${thousands(ours.count)} events in ${ours.seconds.toFixed(2)} s = ${thousands(ours.count / ours.seconds)} events/s`,
    );

    // 5. The peer: Kafka Connect with the JDBC sink, a fresh consumer group from the earliest offset.
    await db.pool.query(peerTableDdl(PEER_TABLE));
    connect = startConnect({
      jars,
      javaHome,
      run,
      worker: { bootstrapServers: bootstrapBrokers, restPort: await freePort(), maxPollRecords: batchSize },
      sink: {
        name: connector,
        topic: source,
        jdbc: jdbcTargetOf(db.url),
        table: PEER_TABLE,
        tasks: environments,
        batchSize,
      },
    });
    log(`Kafka Connect started (pid ${connect.pid}, log ${connect.logFile})`);
    const rowCount = async () =>
      (await db.pool.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM ${PEER_TABLE}`)).rows[0]
        ?.rows ?? 0;
    const peer = await awaitPeerRows(connect, connector, rowCount, events);
    await connect.stop();
    log(
      `kafka connect: ${thousands(peer.rows)} rows in ${peer.seconds.toFixed(2)} s = ${thousands(peer.rows / peer.seconds)} rows/s`,
    );

    const counts = await db.pool.query(
      `SELECT (SELECT count(*) FROM transactions)::int AS transactions,
              (SELECT count(*) FROM ledger_entries)::int AS entries,
              (SELECT count(*) FROM outbox)::int AS outbox,
              (SELECT count(*) FROM ${PEER_TABLE})::int AS peer_rows,
              (SELECT count(DISTINCT event ->> 'eventId') FROM ${PEER_TABLE})::int AS peer_distinct_events`,
    );
    const violations = await invariantViolations(db.pool);
    const oursRate = ours.count / ours.seconds;
    const peerRate = peer.rows / peer.seconds;
    const rawRate = raw.count / raw.seconds;
    log('');
    log(
      `MSK batches: ${thousands(invocations)} invocations of our projector, ${thousands(ours.count / invocations)} records each on average`,
    );
    log(
      `ours:        ${thousands(oursRate)} events/s (${thousands(ours.count)} in ${ours.seconds.toFixed(2)} s: rules, ledger, processed markers, outbox published)`,
    );
    log(
      `peer:        ${thousands(peerRate)} events/s (${thousands(peer.rows)} in ${peer.seconds.toFixed(2)} s, first to last row: ` +
        `Kafka Connect ${jars.kafkaVersion} standalone, Debezium JDBC sink ${jars.sinkVersion}, one plain insert per event)`,
    );
    log(`ratio:       ${(oursRate / peerRate).toFixed(2)} (ours / peer)`);
    log(
      `raw ceiling: ${thousands(rawRate)} events/s (kafkajs consuming the same records, no work): ours ${(oursRate / rawRate).toFixed(2)}, peer ${(peerRate / rawRate).toFixed(2)} of it`,
    );
    log(
      `CPU/event:   ours ${(oursCpu.node + oursCpu.postgres + oursCpu.kafka).toFixed(0)} µs = node ${oursCpu.node.toFixed(0)} + postgres ${oursCpu.postgres.toFixed(0)} + kafka ${oursCpu.kafka.toFixed(0)}; ` +
        `peer ${(peer.cpu.connect + peer.cpu.postgres + peer.cpu.kafka).toFixed(0)} µs = connect ${peer.cpu.connect.toFixed(0)} + postgres ${peer.cpu.postgres.toFixed(0)} + kafka ${peer.cpu.kafka.toFixed(0)} (whole servers: run on a quiet machine)`,
    );
    log(
      `read model:  ${JSON.stringify({ ...counts.rows[0], deferred_or_dead_lettered: deadLettered, redeliveries, reread: ours.reread })}`,
    );
    log(
      `invariants:  ${Object.values(violations).every((rows) => rows.length === 0) ? 'hold' : JSON.stringify(violations)}`,
    );
  } finally {
    await connect?.stop();
    await store.disconnect().catch(() => undefined);
    await admin.deleteGroups([`connect-${connector}`]).catch(() => undefined);
    await admin
      .deleteTopics({ topics: topics.map((topic) => topic.name), timeout: 30_000 })
      .catch((error: unknown) => {
        log(
          `could not delete the benchmark topics: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    await harness.stop();
    if (!process.argv.includes('--keep')) await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
