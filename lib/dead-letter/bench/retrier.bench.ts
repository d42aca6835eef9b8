/**
 * Dead-letter throughput in a fresh database: intake (`storeLetterBatch`, the dead-letter
 * handler's insert path, in batches of `intakeBatch`) and the retrier draining a backlog
 * (`drainDueLetters` as the scheduled function runs it: `shards` in parallel, batches of
 * `batchSize`, 45 s per run, a run a minute). The letters are native on-failure letters of
 * AccountOpened records of distinct accounts (their re-application opens the account and
 * publishes nothing; what it would publish goes to the run's own topics, created and deleted by
 * the run, never to the billing topics). Prints the rates and the ratio to the goal: 100,000 due letters retried
 * within 10 minutes.
 *
 *   npm run bench:retrier -- [letters=20000] [shards=10] [batchSize=200] [intakeBatch=500]
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { bootstrapBrokers } from '../../../local/stack/topology';
import { FailureClass, TopicName } from '../../../schemas';
import { databasePool } from '../../database';
import { connectedAdmin } from '../../kafka/testing/cluster';
import { RunTopics } from '../../kafka/testing/run-topics';
import { ProjectionEnvVariable } from '../../projection/constants';
import { closeHandlerResources, outboxPublisher } from '../../projection/resources';
import { createTestDatabase } from '../../projection/testing/database';
import { eventFactory } from '../../projection/testing/events';
import { LetterOrigin } from '../constants';
import { DRAIN_MARGIN_MS, MAX_DRAIN_MS } from '../drain';
import type { IncomingLetter } from '../incoming';
import { drainDueLetters, EMPTY_REPORT, type RetrierReport, sumReports } from '../retrier';
import type { RetrySettings } from '../schedule';
import { storeLetterBatch } from '../store';

const GOAL_LETTERS = 100_000;
const GOAL_SECONDS = 600;
const RUN_EVERY_MS = 60_000;

const [letterCount = 20_000, shards = 10, batchSize = 200, intakeBatch = 500] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
  .map(Number);

const PARTITIONS = 10;

function letterOf(index: number): IncomingLetter {
  const accountId = randomUUID();
  const event = eventFactory().opened(accountId);
  return {
    id: randomUUID(),
    origin: LetterOrigin.lambdaOnFailure,
    source: {
      topic: TopicName.accountEvents,
      partition: index % PARTITIONS,
      offset: String(Math.floor(index / PARTITIONS)),
      key: Buffer.from(accountId).toString('base64'),
      value: Buffer.from(JSON.stringify(event)).toString('base64'),
      headers: [],
      timestamp: new Date().toISOString(),
    },
    handler: 'billing-local-accountProjector',
    failure: { class: FailureClass.transient, code: 'RETRIES_EXHAUSTED', message: 'bench', attempt: 1 },
  };
}

async function main(): Promise<void> {
  const admin = await connectedAdmin();
  const topics = await RunTopics.create(admin, 'bench-retrier');
  process.env[ProjectionEnvVariable.topicPrefix] = topics.prefix;
  const db = await createTestDatabase('billing_retrier_bench');
  // The retrier's resources read the environment, as in the function.
  process.env.DATABASE_URL = db.url;
  process.env.KAFKA_BROKERS ??= bootstrapBrokers.join(',');
  process.env.PROJECTION_DB_POOL_SIZE = String(shards * 2 + 2);
  const logger = new Logger({ serviceName: 'retrier-bench', logLevel: 'ERROR' });
  const settings: RetrySettings = {
    maxAttempts: 8,
    backoffBaseMs: 60_000,
    backoffCapMs: 600_000,
    leaseMs: 300_000,
    batchSize,
  };
  try {
    const pool = await databasePool(process.env, logger);
    // Intake
    const letters = Array.from({ length: letterCount }, (_, index) => letterOf(index));
    const intakeStarted = performance.now();
    for (let from = 0; from < letters.length; from += intakeBatch) {
      await storeLetterBatch(pool, letters.slice(from, from + intakeBatch), {
        now: new Date(),
        settings,
        random: Math.random,
      });
    }
    const intakeSeconds = (performance.now() - intakeStarted) / 1000;
    // Every letter due now: the backlog.
    await pool.query(`UPDATE dead_letters SET next_attempt_at = now() - interval '1 second'`);

    // Drain, run after run (back to back; on AWS a run starts every minute)
    const dependencies = { pool, publisher: outboxPublisher(process.env, logger) };
    const drainStarted = performance.now();
    let total: RetrierReport = EMPTY_REPORT;
    let runs = 0;
    while (total.attempted < letterCount) {
      const report = await drainDueLetters(dependencies, {
        clock: () => new Date(),
        settings,
        drain: { shards, budgetMs: Math.min(MAX_DRAIN_MS, RUN_EVERY_MS - DRAIN_MARGIN_MS) },
        random: Math.random,
        logger,
      });
      runs += 1;
      total = sumReports(total, report);
      if (report.attempted === 0) break;
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const { rows } = await pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM dead_letters GROUP BY status ORDER BY status',
    );
    const retryRate = total.attempted / drainSeconds;
    // A run a minute drains for at most MAX_DRAIN_MS of it.
    const scheduledRate = (retryRate * MAX_DRAIN_MS) / RUN_EVERY_MS;
    const goalSeconds = GOAL_LETTERS / scheduledRate;
    const intakeRate = letterCount / intakeSeconds;
    console.log(
      [
        `dead letters: ${letterCount} letters, intake batches of ${intakeBatch}, retrier ${shards} shards x batches of ${batchSize}`,
        `  intake    ${intakeRate.toFixed(0)} letters/s (${intakeSeconds.toFixed(1)} s)`,
        `  retried   ${total.attempted} in ${drainSeconds.toFixed(1)} s over ${runs} run(s): ${retryRate.toFixed(0)} letters/s while running, ${scheduledRate.toFixed(0)} letters/s on the minute schedule`,
        `  outcome   ${rows.map((row) => `${row.status}: ${row.n}`).join(', ')} (resolved ${total.resolved}, errors ${total.errors})`,
        `  goal      ${GOAL_LETTERS} letters in ${GOAL_SECONDS} s: this rate takes ${goalSeconds.toFixed(0)} s (ratio ${(GOAL_SECONDS / goalSeconds).toFixed(2)}, above 1 meets it)`,
      ].join('\n'),
    );
  } finally {
    await closeHandlerResources();
    await (await databasePool(process.env, logger)).end();
    await Promise.all([db.drop(), topics.delete(admin)]);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
