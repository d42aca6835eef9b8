import { randomUUID } from 'node:crypto';
import { KafkaMskEventSchema } from '@aws-lambda-powertools/parser/schemas';
import { withDatabase } from '../../lib/database';
import { LambdaOnFailureRecordSchema } from '../../lib/dead-letter/incoming';
import { consumeFrom, endOffsets } from '../../lib/kafka/testing/cluster';
import { ProjectionEnvVariable } from '../../lib/projection/constants';
import { createTestDatabase, type TestDatabase } from '../../lib/projection/testing/database';
import { eventFactory } from '../../lib/projection/testing/events';
import { MskHarness } from '../../lib/projection/testing/msk-harness';
import { TopicName } from '../../schemas';
import { kafkaNodeRunning, startKafkaNode, stopKafkaNode } from '../stack/stack';
import { waitForAllBrokers, waitForFullIsr } from '../stack/testing';
import { FailureCondition } from './constants';
import { eventually, type OfflineProcess, startOffline } from './testing/offline-process';

/*
 * End to end under a real `sls offline --stage local`: events appended to the run's own copies of
 * the billing topics (RunTopics; the emulator and the functions follow BILLING_TOPIC_PREFIX) reach
 * the projectors through the emulator and land in a fresh database. Each case uses its own consumer
 * groups (MSK_OFFLINE_GROUP_SUFFIX) committed at the topics' current end, so it reads only what it
 * appends.
 */

const GROUPS = {
  accountProjector: { group: 'billing.local.account-projector.v1', topic: TopicName.accountEvents },
  transactionProjector: {
    group: 'billing.local.transaction-projector.v1',
    topic: TopicName.transactionEvents,
  },
} as const;

/** Commits the groups at the end of their (run) topics, as if they had read everything so far. */
async function groupsAtEnd(
  harness: MskHarness,
  suffix: string,
  functions: readonly (keyof typeof GROUPS)[],
): Promise<void> {
  for (const key of functions) {
    const { group, topic } = GROUPS[key];
    const ends = await endOffsets(harness.admin, harness.physical(topic));
    await harness.admin.setOffsets({
      groupId: `${group}${suffix}`,
      topic: harness.physical(topic),
      partitions: [...ends].map(([partition, offset]) => ({ partition, offset })),
    });
  }
}

async function metricValue(url: string, line: RegExp): Promise<number | undefined> {
  const text = await fetch(url).then((response) => response.text());
  const match = text.split('\n').find((candidate) => line.test(candidate));
  return match === undefined ? undefined : Number(match.split(' ').at(-1));
}

describe('the MSK emulator under sls offline', () => {
  let harness: MskHarness;
  let db: TestDatabase;
  const running: OfflineProcess[] = [];
  const events = eventFactory();

  /** The run's topics: the emulator reads them, the functions append to them. */
  const offline = async (env: Record<string, string>) => {
    const process = await startOffline({
      env: { ...env, [ProjectionEnvVariable.topicPrefix]: harness.topics?.prefix ?? '' },
    });
    running.push(process);
    return process;
  };
  const stopAll = async () => {
    await Promise.allSettled(running.splice(0).map((process) => process.stop()));
  };

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('offline');
    db = await createTestDatabase('billing_offline');
  });

  afterAll(async () => {
    await stopAll();
    await harness?.stop();
    await db?.drop();
  }, 60_000);

  const balancesOf = async (accountIds: readonly string[]) => {
    const result = await db.pool.query<{ account_id: string; balance_minor: string }>(
      'SELECT account_id, balance_minor FROM accounts WHERE account_id = ANY($1::uuid[])',
      [accountIds],
    );
    return new Map(result.rows.map((row) => [row.account_id, row.balance_minor]));
  };
  const transactionsOf = async (accountIds: readonly string[]) => {
    const result = await db.pool.query<{ transactions: string; entries: string }>(
      `SELECT count(DISTINCT t.transaction_id) AS transactions, count(e.*) AS entries
         FROM transactions t LEFT JOIN ledger_entries e USING (transaction_id)
        WHERE t.account_id = ANY($1::uuid[])`,
      [accountIds],
    );
    return { transactions: Number(result.rows[0]?.transactions), entries: Number(result.rows[0]?.entries) };
  };

  /** Waits until every account's balance is `expected` minor units; `failure` describes a timeout. */
  const balancesReach = (
    accountIds: readonly string[],
    expected: string,
    failure: () => string,
    timeoutMs = 240_000,
  ) =>
    eventually(
      async () => {
        const balances = await balancesOf(accountIds);
        return accountIds.every((id) => balances.get(id) === expected) ? true : undefined;
      },
      timeoutMs,
      failure,
    );

  /** Appends the accounts' openings and waits until `process` has projected them. */
  const openAccounts = async (accountIds: readonly string[], process: OfflineProcess) => {
    await harness.append(accountIds.map((id) => events.opened(id)));
    await eventually(
      async () => ((await balancesOf(accountIds)).size === accountIds.length ? true : undefined),
      240_000,
      () => `accounts not opened; sls offline said:\n${process.output().slice(-3_000)}`,
    );
  };

  it('projects events appended to the topics into PostgreSQL, and survives a restart mid-stream without loss or duplicates', async () => {
    // Prepare
    const suffix = `.it-${randomUUID().slice(0, 8)}`;
    await groupsAtEnd(harness, suffix, ['accountProjector', 'transactionProjector']);
    const env = {
      DATABASE_URL: db.url,
      MSK_OFFLINE_GROUP_SUFFIX: suffix,
      MSK_OFFLINE_FUNCTIONS: 'accountProjector,transactionProjector',
    };
    const accounts = Array.from({ length: 4 }, () => randomUUID());
    let first = await offline(env);

    // Act 1: open the accounts, and once they are open (the projectors run independently: a topup
    // read before its opening is deferred to the dead-letter flow), top them up
    await openAccounts(accounts, first);
    await harness.append(accounts.map((id) => events.topup(id, 1_000)));

    // Assess 1: projected through the emulator
    // Generous wait: the machine is shared, and sls offline's workers start cold.
    await balancesReach(
      accounts,
      '1000',
      () => `balances not projected; sls offline said:\n${first.output().slice(-3_000)}`,
    );
    expect(first.output()).toContain(
      `msk-offline: accountProjector <- ${harness.physical(TopicName.accountEvents)} (group`,
    );

    // Act 2: a stream of topups; sls offline stopped and started again in the middle of it. The
    // stream goes on after the first process has stopped, so that the second has records of its
    // own to project, however long the stop takes.
    const rounds = 30;
    let stopped = false;
    const producing = (async () => {
      for (let round = 0; round < rounds; round += 1) {
        while (round === 10 && !stopped) await new Promise((resolve) => setTimeout(resolve, 50));
        await harness.append(accounts.map((id) => events.topup(id, 10)));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await first.stop();
    stopped = true;
    expect(first.output()).toContain('msk-offline: consumers stopped');
    first = await offline(env);
    await producing;

    // Assess 2: every topup applied exactly once
    const expected = String(1_000 + rounds * 10);
    await balancesReach(
      accounts,
      expected,
      () => `not all topups projected; sls offline said:\n${first.output().slice(-3_000)}`,
    );
    expect(await transactionsOf(accounts)).toEqual({
      transactions: accounts.length * (rounds + 1),
      entries: 2 * accounts.length * (rounds + 1),
    });
    const invocations = await metricValue(
      first.metricsUrl,
      /^msk_offline_invocations_total\{function="transactionProjector"\}/,
    );
    expect(invocations).toBeGreaterThan(0);
    await stopAll();
  }, 900_000);

  it('retries a failing handler, then writes its records to the dead-letter topic as Lambda does', async () => {
    // Prepare: the function's database does not exist, so every invocation throws (transient)
    const suffix = `.it-${randomUUID().slice(0, 8)}`;
    await groupsAtEnd(harness, suffix, ['accountProjector']);
    const deadLetterStart = await endOffsets(harness.admin, harness.physical(TopicName.deadLetter));
    const failing = await offline({
      DATABASE_URL: withDatabase(db.url, `billing_offline_missing_${randomUUID().slice(0, 8)}`),
      MSK_OFFLINE_GROUP_SUFFIX: suffix,
      MSK_OFFLINE_FUNCTIONS: 'accountProjector',
      MSK_OFFLINE_FAILURE_HANDLING: JSON.stringify({ MaximumRetryAttempts: 2 }),
      MSK_OFFLINE_RETRY_BASE_DELAY_MS: '100',
    });
    const accountId = randomUUID();

    // Act
    await harness.append([events.opened(accountId)]);

    // Assess: one on-failure record for our record, after the first invocation and two retries
    const ourKey = (value: Buffer | null) =>
      value?.toString().includes(Buffer.from(accountId).toString('base64')) === true;
    const records = await consumeFrom(
      harness.client,
      new Map([[harness.physical(TopicName.deadLetter), deadLetterStart]]),
      (consumed) => consumed.some((record) => ourKey(record.value)),
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; sls offline said:\n${failing.output().slice(-3_000)}`);
    });
    const letter = records.find((record) => ourKey(record.value));
    const json = JSON.parse(String(letter?.value));
    expect(LambdaOnFailureRecordSchema.safeParse(json).success).toBe(true);
    expect(json.requestContext).toMatchObject({
      condition: FailureCondition.retriesExhausted,
      approximateInvokeCount: 3,
      functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:billing-local-accountProjector:$LATEST',
    });
    expect(json.responseContext.functionError).toBe('Unhandled');
    expect(letter?.key?.toString()).toBe(accountId);
    // The emulator's MSK event (the on-failure record's payload) is what Powertools' parser accepts.
    const parsed = KafkaMskEventSchema.parse(json.payload);
    expect(parsed.eventSource).toBe('aws:kafka');
    expect(Object.keys(parsed.records)[0]).toMatch(/^billing\.account\.events-\d+$/);
    expect(
      await metricValue(
        failing.metricsUrl,
        /^msk_offline_invocation_errors_total\{function="accountProjector"\}/,
      ),
    ).toBeGreaterThanOrEqual(3);
    expect(
      await metricValue(
        failing.metricsUrl,
        new RegExp(
          `^msk_offline_on_failure_records_total\\{function="accountProjector",topic="${harness.physical(TopicName.accountEvents).replaceAll('.', '\\.')}",condition="RetriesExhausted"\\}`,
        ),
      ),
    ).toBe(1);
    await stopAll();
  }, 300_000);

  it('waits the batching window for more records: records appended one by one arrive in one invocation', async () => {
    // Prepare: the account opened and projected first (its topups wait in their own partition)
    const suffix = `.it-${randomUUID().slice(0, 8)}`;
    await groupsAtEnd(harness, suffix, ['accountProjector', 'transactionProjector']);
    const process = await offline({
      DATABASE_URL: db.url,
      MSK_OFFLINE_GROUP_SUFFIX: suffix,
      MSK_OFFLINE_FUNCTIONS: 'accountProjector,transactionProjector',
    });
    const accountId = randomUUID();
    await openAccounts([accountId], process);

    // Act: three topups, each its own produce request a few ms apart: well inside serverless.yml's
    // 1 s window for the function even on a busy machine, yet read by separate fetches without it
    const topups = 3;
    for (let index = 0; index < topups; index += 1) {
      await harness.append([events.topup(accountId, 5)]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Assess: one invocation carried all of them
    await balancesReach(
      [accountId],
      '15',
      () => `topups not projected; sls offline said:\n${process.output().slice(-3_000)}`,
      120_000,
    );
    // A partition's batch is applied in one database transaction: rows written by one invocation
    // share their xmin (other tests' records may share the topic, so no metric is counted here).
    const writes = await db.pool.query<{ rows: number; transactions: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS transactions
         FROM transactions WHERE account_id = $1`,
      [accountId],
    );
    expect(writes.rows[0]).toEqual({ rows: topups, transactions: 1 });
    await stopAll();
  }, 300_000);

  it('loses and repeats nothing through a broker restart and two rebalances mid-stream', async () => {
    // Prepare: accounts opened through a first emulator
    const suffix = `.it-${randomUUID().slice(0, 8)}`;
    await groupsAtEnd(harness, suffix, ['accountProjector', 'transactionProjector']);
    const env = {
      DATABASE_URL: db.url,
      MSK_OFFLINE_GROUP_SUFFIX: suffix,
      MSK_OFFLINE_FUNCTIONS: 'accountProjector,transactionProjector',
    };
    const accounts = Array.from({ length: 10 }, () => randomUUID());
    const first = await offline(env);
    await openAccounts(accounts, first);
    let rounds = 0;
    const round = async () => {
      await harness.append(accounts.map((id) => events.topup(id, 7)));
      rounds += 1;
    };
    const outputs = () => running.map((process) => process.output().slice(-2_000)).join('\n---\n');

    try {
      // Act: topups keep coming while a broker stops and comes back, a second emulator joins
      // the groups (rebalance) and the first one leaves (rebalance again)
      await round();
      await stopKafkaNode(2);
      for (let index = 0; index < 3; index += 1) await round();
      const second = await offline(env);
      for (let index = 0; index < 3; index += 1) await round();
      await startKafkaNode(2);
      await waitForAllBrokers();
      for (let index = 0; index < 3; index += 1) await round();
      await first.stop();
      expect(first.output()).toContain('msk-offline: consumers stopped');
      for (let index = 0; index < 3; index += 1) await round();

      // Assess: every topup applied exactly once, by whichever emulator held the partition
      const expected = String(rounds * 7);
      await balancesReach(
        accounts,
        expected,
        () => `not all ${rounds} rounds of topups projected; sls offline said:\n${outputs()}`,
      );
      expect(await transactionsOf(accounts)).toEqual({
        transactions: accounts.length * rounds,
        entries: 2 * accounts.length * rounds,
      });
      expect(second.output()).not.toContain(`sent to ${harness.physical(TopicName.deadLetter)}`);
    } finally {
      if (!kafkaNodeRunning(2)) await startKafkaNode(2);
      await waitForAllBrokers();
      await waitForFullIsr(
        harness.admin,
        [TopicName.accountEvents, TopicName.transactionEvents].map((topic) => harness.physical(topic)),
      ).catch(() => undefined);
      await stopAll();
    }
  }, 900_000);
});
