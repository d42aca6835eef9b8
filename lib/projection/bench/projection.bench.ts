/**
 * Projection throughput: N transaction events on the run's own copy of billing.transaction.events
 * (same spec, created and deleted by the run: the billing topics are left as they were), projected
 * through the real transaction-projector handler (MSK event in, middy, decoding, ledger
 * rules, one PostgreSQL transaction per partition batch, outbox published after commit) into a
 * fresh database; and, in the same run, the raw ceiling: kafkajs consuming the same records
 * doing no work.
 *
 *   npm run bench:projection -- [events=200000] [batchSize=1000] [accounts=10000] [environments=2]
 *
 * MSK invokes one Lambda per partition concurrently, each in its own execution environment: the
 * handler runs here in `environments` worker threads (each loads the handler module, with its own
 * pool and producer), partition p always in environment p mod n, one batch per partition in flight.
 * The accounts are opened first, through the account-projector handler in one more environment.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bootstrapBrokers } from '../../../local/stack/topology';
import { type BillingEvent, TopicName } from '../../../schemas';
import { connectedAdmin } from '../../kafka/testing/cluster';
import { RunTopics } from '../../kafka/testing/run-topics';
import { buildMskEvent, type KafkaRecordInput } from '../../msk';
import { ProjectionEnvVariable } from '../constants';
import { createTestDatabase } from '../testing/database';
import { eventFactory } from '../testing/events';
import { LOCAL_CLUSTER_ARN, MskHarness, type Offsets } from '../testing/msk-harness';
import { invariantViolations } from '../testing/read-model';
import { type CpuSeconds, cpuPerEvent, cpuSeconds } from './cpu';
import { Environments } from './environments';
import { resetStatementStats, statementFigures, statementLines } from './statements';
import { makeTransactions } from './transactions';

const [events = 200_000, batchSize = 1_000, accountCount = 10_000, environments = 2] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
  .map(Number);

/**
 * A handler module of functions/, by path: the benchmark's environments load it as the Lambda
 * runtime does (serverless.yml names the handlers); lib/ never imports functions/.
 */
const handlerModule = (name: string) => join(__dirname, '..', '..', '..', 'functions', `${name}.ts`);

/** Execution environments running a function's real handler module (handler-worker.ts). */
const handlerEnvironments = (count: number, functionName: string) =>
  Environments.start(count, {
    workerFile: join(__dirname, 'handler-worker.ts'),
    workerData: { module: handlerModule(functionName), functionName },
  });

const log = (line: string) => process.stdout.write(`${line}\n`);
const rate = (count: number, seconds: number) => Math.round(count / seconds).toLocaleString('en-US');

async function timedRange(
  harness: MskHarness,
  starts: Offsets,
  ends: Offsets,
  label: string,
  keep: (record: KafkaRecordInput) => boolean,
  work: (records: KafkaRecordInput[], done: (count: number) => void) => Promise<void>,
): Promise<{ seconds: number; count: number; handedAgain: number }> {
  let count = 0;
  // Records handed over more than once (the range read again after a rebalance of a busy
  // machine's consumer) are counted once: the figures are per distinct event.
  const seen = new Set<string>();
  let handedAgain = 0;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const progress = setInterval(
    () => log(`  ${label}: ${count.toLocaleString('en-US')} events, ${rate(count, elapsed())}/s`),
    2_000,
  );
  try {
    await harness.readRange(
      starts,
      ends,
      async (records) => {
        // Progress is reported per MSK batch as it completes.
        const fresh = records.filter((record) => {
          const id = `${record.topic}|${record.partition}|${record.offset}`;
          if (seen.has(id)) {
            handedAgain++;
            return false;
          }
          seen.add(id);
          return keep(record);
        });
        await work(fresh, (done) => {
          count += done;
        });
      },
      { timeoutMs: 900_000 },
    );
  } finally {
    clearInterval(progress);
  }
  return { seconds: elapsed(), count, handedAgain };
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const admin = await connectedAdmin();
  const topics = await RunTopics.create(admin, 'bench-projection');
  // The handlers' outbox (here and in the execution environments) writes to the run's topics too.
  process.env[ProjectionEnvVariable.topicPrefix] = topics.prefix;
  const harness = await MskHarness.start({ topics });
  const db = await createTestDatabase('billing_bench');
  process.env.DATABASE_URL = db.url;
  process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
  process.env.PROJECTION_DB_POOL_SIZE = '10';
  const mskEventOf = (records: readonly KafkaRecordInput[]) =>
    JSON.stringify(
      buildMskEvent({ eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: bootstrapBrokers, records }),
    );
  try {
    log(`topics ${topics.prefix}* (the billing topics' specs; deleted at the end)`);
    log(
      `database ${db.name}; ${events.toLocaleString('en-US')} transaction events over ${accountCount.toLocaleString('en-US')} accounts; ` +
        `MSK batches of at most ${batchSize} records per partition, one batch per partition in flight, ${environments} execution environment(s)`,
    );

    // 1. Open the accounts (on the run's account topic) and project them.
    const accounts = Array.from({ length: accountCount }, () => randomUUID());
    const keys = new Set<string>(accounts);
    const factory = eventFactory();
    let starts = await harness.endOffsets([TopicName.accountEvents]);
    await harness.append(accounts.map((account) => factory.opened(account)));
    let ends = await harness.endOffsets([TopicName.accountEvents]);
    const keep = (record: KafkaRecordInput) => record.key !== null && keys.has(record.key.toString('utf8'));
    const accountLambda = await handlerEnvironments(1, 'account-projector');
    try {
      await timedRange(harness, starts, ends, 'opening accounts', keep, async (records, done) => {
        for (let index = 0; index < records.length; index += batchSize) {
          const chunk = records.slice(index, index + batchSize);
          await accountLambda.invoke(0, mskEventOf(chunk));
          done(chunk.length);
        }
      });
    } finally {
      await accountLambda.stop();
    }
    log(`opened ${accountCount.toLocaleString('en-US')} accounts`);

    // 2. Load the transaction events.
    const transactions: BillingEvent[] = makeTransactions(accounts, events);
    starts = await harness.endOffsets([TopicName.transactionEvents]);
    const loadStarted = Date.now();
    for (let index = 0; index < transactions.length; index += 5_000) {
      await harness.append(transactions.slice(index, index + 5_000));
      if ((index / 5_000) % 10 === 0)
        log(`  loading: ${(index + 5_000).toLocaleString('en-US')} / ${events.toLocaleString('en-US')}`);
    }
    ends = await harness.endOffsets([TopicName.transactionEvents]);
    log(
      `loaded ${events.toLocaleString('en-US')} events in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`,
    );

    // 3. Raw ceiling: kafkajs consuming the same records, doing no work.
    const raw = await timedRange(harness, starts, ends, 'raw kafkajs', keep, async (records, done) =>
      done(records.length),
    );
    log(
      `raw ceiling: ${raw.count.toLocaleString('en-US')} events in ${raw.seconds.toFixed(2)} s = ${rate(raw.count, raw.seconds)} events/s`,
    );

    // 4. Projection through the real handler, in Lambda-like execution environments.
    const lambdas = await handlerEnvironments(environments, 'transaction-projector');
    let projected: { seconds: number; count: number; handedAgain: number };
    const statementsTracked = await resetStatementStats(db.pool);
    const cpuBefore = cpuSeconds();
    let cpuAfter: CpuSeconds;
    try {
      projected = await timedRange(harness, starts, ends, 'projection', keep, async (records, done) => {
        for (let index = 0; index < records.length; index += batchSize) {
          const chunk = records.slice(index, index + batchSize);
          await lambdas.invoke(chunk[0]?.partition ?? 0, mskEventOf(chunk));
          done(chunk.length);
        }
      });
    } finally {
      cpuAfter = cpuSeconds();
      await lambdas.stop();
    }
    const cpu = cpuPerEvent(cpuBefore, cpuAfter, projected.count);
    const statements = statementsTracked ? await statementFigures(db.pool, projected.count) : [];
    const projectedRate = projected.count / projected.seconds;
    const rawRate = raw.count / raw.seconds;

    const counts = await db.pool.query(
      `SELECT (SELECT count(*) FROM transactions)::int AS transactions,
              (SELECT count(*) FROM transactions WHERE status = 'rejected')::int AS rejected,
              (SELECT count(*) FROM ledger_entries)::int AS entries,
              (SELECT count(*) FROM outbox o JOIN outbox_published p USING (producer, source_topic, source_partition)
                WHERE o.position <= p.position)::int AS published,
              (SELECT count(*) FROM outbox)::int AS outbox`,
    );
    const violations = await invariantViolations(db.pool);
    log('');
    log(
      `projected:   ${projected.count.toLocaleString('en-US')} events in ${projected.seconds.toFixed(2)} s = ${rate(projected.count, projected.seconds)} events/s`,
    );
    log(
      `raw ceiling: ${rate(raw.count, raw.seconds)} events/s (kafkajs consuming the same records, no work)`,
    );
    if (projected.handedAgain + raw.handedAgain > 0)
      log(
        `read again:  ${projected.handedAgain} records of the projection, ${raw.handedAgain} of the raw ceiling (the consumer's range read twice: not projected twice, not counted)`,
      );
    log(`ratio:       ${(projectedRate / rawRate).toFixed(2)} of the raw ceiling`);
    log(
      `CPU/event:   ${(cpu.node + cpu.postgres + cpu.kafka).toFixed(0)} µs = node ${cpu.node.toFixed(0)} (this process: main thread ${cpu.nodeMainThread.toFixed(0)} consuming and building MSK events, the rest ${(cpu.node - cpu.nodeMainThread).toFixed(0)} the handlers' workers and GC) + postgres ${cpu.postgres.toFixed(0)} + kafka ${cpu.kafka.toFixed(0)} (whole servers: run on a quiet machine)`,
    );
    if (statementsTracked) {
      log('PostgreSQL:  the statements that took longest (pg_stat_statements, execution time per event):');
      for (const line of statementLines(statements)) log(line);
    } else {
      log('PostgreSQL:  no statement figures (pg_stat_statements not preloaded: restart the stack)');
    }
    log(`read model:  ${JSON.stringify(counts.rows[0])}`);
    log(
      `invariants:  ${Object.values(violations).every((rows) => rows.length === 0) ? 'hold' : JSON.stringify(violations)}`,
    );
  } finally {
    await harness.stop();
    if (!process.argv.includes('--keep')) await Promise.all([db.drop(), topics.delete(admin)]);
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
