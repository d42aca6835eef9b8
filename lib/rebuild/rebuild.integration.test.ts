import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { MSKEvent } from 'aws-lambda';
import { bootstrapBrokers } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { deliverOurLetters } from '../dead-letter/testing/our-letters';
import { TEST_RETRY_SETTINGS, testRetrier } from '../dead-letter/testing/test-retrier';
import { localClient } from '../kafka/testing/cluster';
import { accountProjector, transactionProjector } from '../ledger';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import { invokeAll, type LambdaHandler, MskHarness, type Offsets } from '../projection/testing/msk-harness';
import { invariantViolations, NO_VIOLATIONS } from '../projection/testing/read-model';
import { transferSagaProjector } from '../saga/projector';
import {
  driveUntilQuiescent,
  loadSagaHandlers,
  SAGA_TOPICS,
  type SagaHandlers,
  transferRequested,
} from '../saga/testing/saga-run';
import { TopicTail } from '../saga/testing/topic-tail';
import { compareReadModels, formatComparison } from './compare';
import { rebuildReadModel } from './rebuild';

jest.setTimeout(300_000);

const logger = new Logger({ serviceName: 'rebuild-test', logLevel: 'ERROR' });

/**
 * A history whose live outcome depended on timing, rebuilt from the log on the real cluster: the
 * account projector held far behind while a suspension races two withdrawals, movements of an
 * account not open yet are deferred and their letters re-applied in the reverse of their order, a
 * credit to an account that never opens is given up after its retries, and that account opens
 * later. A rebuild applies the decisions written to billing.transaction.outcomes and the saga's
 * steps, and must give exactly the live read model. Everything happens on the run's own copies of
 * the billing topics (MskHarness.startOnRunTopics, the rebuild's topicAliases), which the rebuild
 * reads from their first offset, as `npm run rebuild -- --topic-prefix` does.
 */
describe('a rebuild of the read model from the log', () => {
  let harness: MskHarness;
  let tail: TopicTail;
  let live: TestDatabase;
  let rebuilt: TestDatabase;
  let handlers: SagaHandlers;
  let deadLetterHandler: LambdaHandler;
  let closeResources: () => Promise<void>;
  const events = eventFactory();
  const { retry, replay } = testRetrier(logger);

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('rebuild');
    tail = await TopicTail.start(harness, SAGA_TOPICS);
    live = await createTestDatabase('billing_rebuild_live_it');
    rebuilt = await createTestDatabase('billing_rebuild_it');
    process.env.DATABASE_URL = live.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    process.env.DEAD_LETTER_MAX_ATTEMPTS = String(TEST_RETRY_SETTINGS.maxAttempts);
    handlers = await loadSagaHandlers({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
      saga: () => import('../../functions/transfer-saga'),
    });
    deadLetterHandler = (await import('../../functions/dead-letter')).handler as unknown as LambdaHandler;
    closeResources = (await import('../projection/resources')).closeHandlerResources;
  });

  afterAll(async () => {
    await closeResources?.();
    await tail?.stop();
    await harness?.stop();
    await live?.drop();
    await rebuilt?.drop();
  });

  const account = async (accountId: string) =>
    (await live.pool.query('SELECT status, balance_minor FROM accounts WHERE account_id = $1', [accountId]))
      .rows[0];
  const movements = async (accountId: string) =>
    (
      await live.pool.query(
        `SELECT kind, amount_minor, status, rejection_reason FROM transactions
          WHERE account_id = $1 ORDER BY kind, amount_minor`,
        [accountId],
      )
    ).rows.map(
      (row) =>
        `${row.kind} ${row.amount_minor} ${row.status}${row.rejection_reason ? ` ${row.rejection_reason}` : ''}`,
    );

  const deliverLetters = (before: Offsets, keys: ReadonlySet<string>) =>
    deliverOurLetters(harness, live.pool, deadLetterHandler, before, keys);

  it('equals the live read model table by table, though the live outcomes depended on timing', async () => {
    // Prepare: A and B open and funded
    const [A, B, D, U] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const toNowhere = transferRequested(A, U, 3_000);
    const keys = new Set([A, B, D, U, toNowhere.aggregateId]);
    tail.follow(keys);
    await harness.append([
      events.opened(A),
      events.opened(B),
      events.topup(A, 10_000),
      events.topup(B, 5_000),
    ]);
    await driveUntilQuiescent(tail, handlers, live.pool);

    // Act 1: the account projector falls behind; its batches are kept for later
    const held: MSKEvent[] = [];
    const holding: SagaHandlers = {
      ...handlers,
      account: async (event) => {
        held.push(event);
        return { batchItemFailures: [] };
      },
    };
    const lettersFrom = await harness.endOffsets([TopicName.deadLetter]);
    const [topupD, withdrawalD] = [events.topup(D, 500), events.withdrawal(D, 400)];
    await harness.append([
      events.statusChanged(B, 'active', 'suspended'),
      events.withdrawal(B, 1_000),
      events.withdrawal(B, 2_000),
      events.opened(D),
      topupD,
      withdrawalD,
      toNowhere,
    ]);
    await driveUntilQuiescent(tail, holding, live.pool);
    await deliverLetters(lettersFrom, keys);

    // The withdrawals were decided against B still active; D's movements and the credit wait
    expect(await movements(B)).toEqual([
      'topup 5000 applied',
      'withdrawal 1000 applied',
      'withdrawal 2000 applied',
    ]);
    expect(await account(D)).toBeUndefined();
    const letters = async () =>
      (
        await live.pool.query<{ id: string; key: string; status: string }>(
          `SELECT id, convert_from(decode(source_key, 'base64'), 'UTF8') AS key, status,
                  convert_from(decode(source_value, 'base64'), 'UTF8')::jsonb ->> 'eventId' AS event_id
             FROM dead_letters ORDER BY received_at, id`,
        )
      ).rows as { id: string; key: string; status: string; event_id: string }[];
    const deferred = await letters();
    expect(deferred.map((letter) => letter.key).sort()).toEqual([D, D, U].sort());

    // Act 2: the account projector catches up (B suspended, D open); D's withdrawal is re-applied
    // before its topup (an operator's replay), then the retrier runs until the credit is given up
    await invokeAll(handlers.account, 'account-projector', held);
    const withdrawalLetter = deferred.find((letter) => letter.event_id === withdrawalD.eventId);
    await replay(String(withdrawalLetter?.id));
    for (let run = 0; run < TEST_RETRY_SETTINGS.maxAttempts + 1; run += 1) {
      await retry();
      await driveUntilQuiescent(tail, handlers, live.pool);
    }
    // U opens after all
    await harness.append([events.opened(U)]);
    await driveUntilQuiescent(tail, handlers, live.pool);

    // The live outcomes: D's withdrawal rejected (it came first), the credit given up and returned
    expect(await account(B)).toEqual({ status: 'suspended', balance_minor: '2000' });
    expect(await movements(D)).toEqual(['topup 500 applied', 'withdrawal 400 rejected insufficient_funds']);
    expect(await account(U)).toEqual({ status: 'active', balance_minor: '0' });
    expect(await account(A)).toEqual({ status: 'active', balance_minor: '10000' });
    const transfer = await live.pool.query(
      'SELECT status, reason, compensated FROM transfers WHERE transfer_id = $1',
      [toNowhere.aggregateId],
    );
    expect(transfer.rows).toEqual([{ status: 'failed', reason: 'account_not_found', compensated: true }]);
    expect(await invariantViolations(live.pool)).toEqual(NO_VIOLATIONS);

    // Act 3: rebuild from the run's log into an empty database, under new consumer groups
    const topicAliases = harness.topics?.aliases();
    expect(topicAliases?.[TopicName.accountEvents]).toMatch(
      /^test\.rebuild\.[0-9a-f]{8}\.billing\.account\.events$/,
    );
    const report = await rebuildReadModel({
      kafka: await localClient(),
      pool: rebuilt.pool,
      rebuildId: rebuilt.name,
      bootstrapServers: bootstrapBrokers,
      logger,
      ...(topicAliases ? { topicAliases } : {}),
    });

    // Assess: the same read model, table by table
    expect(report.projected.get(TopicName.transactionOutcomes)).toBe(8);
    expect([...report.notApplied.values()].reduce((sum, n) => sum + n, 0)).toBe(0);
    const comparison = await compareReadModels(live.pool, rebuilt.pool);
    expect(formatComparison(comparison).filter((line) => line.startsWith('  '))).toEqual([]);
    expect(comparison.differences).toBe(0);
    expect(comparison.tables.find((table) => table.table === 'transactions')?.rebuiltRows).toBe(8);
    expect(await invariantViolations(rebuilt.pool)).toEqual(NO_VIOLATIONS);

    // Assess too: the deciding projectors, run again over the same log, decide otherwise (what a
    // rebuild did before the outcomes were facts): B suspended before its withdrawals, D's topup
    // before its withdrawal. The test's history is one that tells the two apart.
    const redecided = await createTestDatabase('billing_rebuild_redecide_it');
    try {
      await rebuildReadModel({
        kafka: await localClient(),
        pool: redecided.pool,
        rebuildId: redecided.name,
        bootstrapServers: bootstrapBrokers,
        logger,
        ...(topicAliases ? { topicAliases } : {}),
        phases: [[accountProjector], [transactionProjector, transferSagaProjector]],
      });
      const again = await compareReadModels(live.pool, redecided.pool);
      const lines = formatComparison(again).join('\n');
      expect(lines).toContain(`accounts ${B}: balance_minor live 2000, rebuilt 5000`);
      expect(lines).toContain(`accounts ${D}: balance_minor live 500, rebuilt 100`);
    } finally {
      await redecided.drop();
    }
  });
});
