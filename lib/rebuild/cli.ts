/**
 * `npm run rebuild [-- --compare] [--database NAME] [--topic-prefix PREFIX]`
 * (docs/projection.md#rebuild): builds a new read model from the first offset of the topics into a
 * fresh database, under new consumer groups, while the live one keeps running; `--compare` then
 * compares it table by table with the live read model, prints each difference and exits 1 if there
 * is any; `--topic-prefix` reads a run's own copies of the billing topics (`<prefix><topic>`)
 * instead of the billing topics. DATABASE_URL (the live read model) and KAFKA_BROKERS default to
 * the local stack.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Client, Pool } from 'pg';
import { bootstrapBrokers, localDatabaseUrl } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { loadKafkaConnection } from '../config';
import { migrateDatabase, withDatabase } from '../database';
import { createKafkajsClient } from '../kafka/kafkajs-adapter';
import { freshAdminOf } from '../kafka/leader-moves';
import { prefixedTopicAliases, TOPIC_PREFIX_PATTERN } from '../kafka/topic-prefix';
import { compareReadModels, formatComparison } from './compare';
import {
  captureLogEnds,
  type LogEnds,
  missingRebuildTopics,
  type RebuildTopicAliases,
  rebuildReadModel,
  sameEnds,
} from './rebuild';

const USAGE = `usage: npm run rebuild [-- --compare] [--database NAME] [--topic-prefix PREFIX]
  --compare              after the rebuild, compare it with the live read model (exit 1 on a difference)
  --database NAME        the database to build into (created if missing; an existing rebuild resumes)
  --topic-prefix PREFIX  read <PREFIX><topic> instead of each billing topic (a run's own topics,
                         test.<label>.<id>.); the billing topics by default`;

/** How often the live model is checked for quiet before a comparison, and how many times. */
const SETTLE_PAUSE_MS = 2_000;
const SETTLE_ROUNDS = 15;

export class UsageError extends Error {}

interface RebuildArgs {
  readonly compare: boolean;
  readonly database: string | undefined;
  /** Where each billing topic is read: empty unless --topic-prefix is given. */
  readonly topicAliases: RebuildTopicAliases;
}

export function parseRebuildArgs(argv: readonly string[]): RebuildArgs {
  let compare = false;
  let database: string | undefined;
  let topicAliases: RebuildTopicAliases = {};
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--compare') compare = true;
    else if (arg === '--topic-prefix') {
      const prefix = argv[index + 1];
      index += 1;
      if (prefix === undefined || !TOPIC_PREFIX_PATTERN.test(prefix))
        throw new UsageError(
          `--topic-prefix needs Kafka topic characters ending in a dot, e.g. test.rebuild.0a1b2c3d. (got ${prefix ?? 'nothing'})`,
        );
      topicAliases = prefixedTopicAliases(prefix);
    } else if (arg === '--database') {
      database = argv[index + 1];
      index += 1;
      if (database === undefined || !/^[a-z_][a-z0-9_]{0,62}$/.test(database))
        throw new UsageError(
          `--database needs a name of lower-case letters, digits and _ (got ${database ?? 'nothing'})`,
        );
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return { compare, database, topicAliases };
}

const stamp = (date: Date) => date.toISOString().replace(/[-:T]/g, '').slice(0, 14);

async function ensureDatabase(serverUrl: string, name: string): Promise<boolean> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length > 0) return false;
    await admin.query(`CREATE DATABASE ${name}`);
    return true;
  } finally {
    await admin.end();
  }
}

/** Rows the live read model committed to its outbox and has not published yet. */
async function unpublishedRows(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM outbox o
       LEFT JOIN outbox_published p USING (producer, source_topic, source_partition)
      WHERE o.position > COALESCE(p.position, 0)`,
  );
  return Number(rows[0]?.n ?? 0);
}

const total = (ends: LogEnds) =>
  [...ends.values()].reduce(
    (sum, partitions) => sum + [...partitions.values()].reduce((a, b) => a + b, 0n),
    0n,
  );

async function main(argv: readonly string[]): Promise<number> {
  const args = parseRebuildArgs(argv);
  const liveUrl = process.env.DATABASE_URL ?? localDatabaseUrl;
  const brokers = (process.env.KAFKA_BROKERS ?? bootstrapBrokers.join(',')).split(',');
  const name = args.database ?? `billing_rebuild_${stamp(new Date())}`;
  const targetUrl = withDatabase(liveUrl, name);
  // Records that cannot be applied are counted and reported at the end, not logged one by one.
  const logger = new Logger({ serviceName: 'rebuild', logLevel: 'ERROR' });
  const print = (line: string) => process.stdout.write(`${line}\n`);

  const kafka = createKafkajsClient(
    await loadKafkaConnection({ KAFKA_BROKERS: brokers.join(','), KAFKA_CLIENT_ID: 'billing-rebuild' }),
  );
  const checking = kafka.admin();
  await checking.connect();
  const missing = await missingRebuildTopics(checking, args.topicAliases).finally(() =>
    checking.disconnect(),
  );
  if (missing.length > 0) throw new Error(`the cluster has no topic ${missing.join(', ')}`);

  const created = await ensureDatabase(liveUrl, name);
  // node-pg-migrate's CLI, as `npm run db:migrate` runs it (the package is ESM-only).
  await migrateDatabase(targetUrl);
  const prefix = args.topicAliases[TopicName.accountEvents]?.slice(0, -TopicName.accountEvents.length);
  print(
    `${created ? 'building' : 'resuming'} the read model in database ${name} (consumer groups billing.rebuild.${name}.*)${prefix ? ` from the topics ${prefix}billing.*` : ''}`,
  );

  const pool = new Pool({ connectionString: targetUrl, max: 4 });
  const live = new Pool({ connectionString: liveUrl, max: 3 });
  const started = Date.now();
  let lastPrinted = 0;
  const onProgress = (progress: { phase: number; topic: string; projected: number; total: number }) => {
    const now = Date.now();
    if (now - lastPrinted < 1_000 && progress.projected < progress.total) return;
    lastPrinted = now;
    const percent = progress.total === 0 ? 100 : Math.floor((100 * progress.projected) / progress.total);
    print(
      `  phase ${progress.phase} ${progress.topic}: ${progress.projected.toLocaleString('en')} of ${progress.total.toLocaleString('en')} records (${percent}%), ${((now - started) / 1000).toFixed(0)} s`,
    );
  };
  try {
    const rebuild = (ends?: LogEnds) =>
      rebuildReadModel({
        kafka,
        pool,
        rebuildId: name,
        bootstrapServers: brokers,
        logger,
        onProgress,
        topicAliases: args.topicAliases,
        ...(ends ? { ends } : {}),
      });
    const first = await rebuild();
    print(
      `rebuilt ${name} from ${total(first.ends).toLocaleString('en')} records of the log in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const [topic, count] of first.notApplied) {
      if (count > 0)
        print(
          `  ${count.toLocaleString('en')} record(s) of ${topic} could not be applied (they fail their schema or key, or what they need is not in the log): see the outbox of ${name}, event type DeadLetterRecorded`,
        );
    }
    if (!args.compare) return 0;

    // The live read model keeps moving: fold what was appended meanwhile until the log stands still
    // and the live outbox is published, so that both models have seen the same records.
    const admin = kafka.admin();
    await admin.connect();
    let ends = first.ends;
    let settled = false;
    try {
      for (let round = 0; round < SETTLE_ROUNDS && !settled; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
        const now = await captureLogEnds(admin, freshAdminOf(kafka), undefined, args.topicAliases);
        const waiting = await unpublishedRows(live);
        if (sameEnds(ends, now) && waiting === 0) settled = true;
        else {
          await rebuild(now);
          ends = now;
        }
      }
    } finally {
      await admin.disconnect();
    }
    if (!settled)
      print(
        `the live read model kept changing for ${(SETTLE_ROUNDS * SETTLE_PAUSE_MS) / 1000} s: differences below may be records one of the two has not applied yet`,
      );
    const comparison = await compareReadModels(live, pool);
    for (const line of formatComparison(comparison)) print(line);
    return comparison.differences === 0 ? 0 : 1;
  } finally {
    await pool.end();
    await live.end();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n${USAGE}\n`);
        process.exit(2);
      }
      process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
