import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { bootstrapBrokers } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { toSignedBytes } from '../msk';
import { closeHandlerResources } from '../projection';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import {
  invokeAll,
  type LambdaHandler,
  MskHarness,
  mskEventsOf,
  type Offsets,
} from '../projection/testing/msk-harness';
import { loadProjectors, only, type Projectors } from '../projection/testing/projection-run';
import { lettersKeyedBy, oncePerLetter } from './testing/our-letters';
import { TEST_RETRY_SETTINGS, testRetrier } from './testing/test-retrier';

jest.setTimeout(180_000);

const logger = new Logger({ serviceName: 'dead-letter-test', logLevel: 'ERROR' });

describe('dead letters on the real cluster and database', () => {
  let harness: MskHarness;
  let db: TestDatabase;
  let projectors: Projectors;
  let deadLetterHandler: LambdaHandler;
  const events = eventFactory();
  const keys = new Set<string>();
  const account = () => {
    const id = randomUUID();
    keys.add(id);
    return id;
  };
  // Retrier runs happen "days later", each after the previous one: every due letter is due.
  const { later, retry, replay } = testRetrier(logger);

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('dead-letter');
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    process.env.DEAD_LETTER_MAX_ATTEMPTS = String(TEST_RETRY_SETTINGS.maxAttempts);
    projectors = await loadProjectors({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
    });
    deadLetterHandler = (await import('../../functions/dead-letter')).handler as unknown as LambdaHandler;
  });

  afterAll(async () => {
    await closeHandlerResources();
    await harness?.stop();
    await db?.drop();
  });

  /** Our letters: their source record is keyed by one of our ids (other runs share the topic). */
  const ours = lettersKeyedBy(keys);

  /** Produces, projects what was produced on the billing topics, and hands our dead letters to the handler. */
  const step = async (produce: () => Promise<void>) => {
    const before = await harness.endOffsets(Object.values(TopicName));
    await produce();
    const after = await harness.endOffsets(Object.values(TopicName));
    await projectRange(before, after);
    return deliverLetters(before);
  };
  const projectRange = async (before: Offsets, after: Offsets) => {
    const keep = (key: string | null) => key !== null && keys.has(key);
    const account = await harness.collect(
      only(before, TopicName.accountEvents),
      only(after, TopicName.accountEvents),
      keep,
    );
    const transaction = await harness.collect(
      only(before, TopicName.transactionEvents),
      only(after, TopicName.transactionEvents),
      keep,
    );
    await invokeAll(projectors.account, 'account-projector', mskEventsOf(account));
    await invokeAll(projectors.transaction, 'transaction-projector', mskEventsOf(transaction));
  };
  const deliverLetters = async (before: Offsets) => {
    const after = await harness.endOffsets([TopicName.deadLetter]);
    const records = await harness.collect(only(before, TopicName.deadLetter), after, () => true);
    const results = (await invokeAll(
      deadLetterHandler,
      'dead-letter',
      mskEventsOf(records.filter(ours).filter(oncePerLetter())),
    )) as { stored: number; duplicates: number; parked: { id: string }[] }[];
    return {
      stored: results.reduce((sum, r) => sum + r.stored, 0),
      duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
      parked: results.reduce((sum, r) => sum + r.parked.length, 0),
    };
  };

  const letterOf = async (accountId: string) =>
    (
      await db.pool.query(
        `SELECT id, status, attempts, origin, failure_class, failure_code FROM dead_letters WHERE convert_from(decode(source_key, 'base64'), 'UTF8') = $1`,
        [accountId],
      )
    ).rows;
  const balanceOf = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor;
  const appliedTransactions = async (accountId: string) =>
    (await db.pool.query(`SELECT count(*)::int AS n FROM transactions WHERE account_id = $1`, [accountId]))
      .rows[0]?.n;
  const historyOf = async (id: string) =>
    (
      await db.pool.query(
        'SELECT action, outcome, actor FROM dead_letter_actions WHERE dead_letter_id = $1 ORDER BY position',
        [id],
      )
    ).rows;

  it('retries a topup that came before its account opening, then applies it exactly once', async () => {
    // Prepare: the topup arrives first, is deferred and stored
    const A = account();
    const stored = await step(() => harness.append([events.topup(A, 1_500)]));
    expect(stored).toEqual({ stored: 1, duplicates: 0, parked: 0 });
    const [letter] = await letterOf(A);
    expect(letter).toMatchObject({
      status: 'received',
      attempts: 1,
      origin: 'envelope',
      failure_class: 'deferred',
    });

    // Act: a retry before the opening fails again; one after it applies
    expect(await retry()).toMatchObject({ attempted: 1, retryLater: 1, resolved: 0 });
    expect(await letterOf(A)).toEqual([expect.objectContaining({ status: 'retrying', attempts: 2 })]);
    await step(() => harness.append([events.opened(A)]));
    const resolved = await retry();

    // Assess
    expect(resolved).toMatchObject({ attempted: 1, resolved: 1 });
    expect(await letterOf(A)).toEqual([expect.objectContaining({ status: 'resolved' })]);
    expect(await balanceOf(A)).toBe('1500');
    expect(await appliedTransactions(A)).toBe(1);
    expect(await retry()).toMatchObject({ attempted: 0 });
    expect((await replay(String(letter?.id))).result).toBe('unchanged: already resolved');
    expect(await balanceOf(A)).toBe('1500');
    expect((await historyOf(String(letter?.id))).map((row) => `${row.action}:${row.outcome}`)).toEqual([
      'received:received',
      'attempt:failed',
      'attempt:applied',
    ]);
  });

  let parkedDeferredId = '';
  let B = '';

  it('parks a permanent letter at once and a deferred one after its last attempt, counting both', async () => {
    // Prepare
    const P = account();
    B = account();

    // Act
    const bad = await step(() =>
      harness.appendRaw(TopicName.transactionEvents, [{ key: P, value: '{not json' }]),
    );
    const deferred = await step(() => harness.append([events.topup(B, 700)]));
    const second = await retry();
    const third = await retry();

    // Assess
    expect(bad).toEqual({ stored: 1, duplicates: 0, parked: 1 });
    expect(await letterOf(P)).toEqual([
      expect.objectContaining({ status: 'parked', failure_class: 'permanent', failure_code: 'NOT_JSON' }),
    ]);
    expect(deferred.parked).toBe(0);
    expect(second).toMatchObject({ attempted: 1, retryLater: 1, parked: 0 });
    expect(third).toMatchObject({ attempted: 1, parked: 1 });
    expect(bad.parked + third.parked).toBe(2);
    const [letter] = await letterOf(B);
    expect(letter).toMatchObject({ status: 'parked', attempts: 3, failure_code: 'ACCOUNT_NOT_FOUND' });
    expect(await retry()).toMatchObject({ attempted: 0 });
    parkedDeferredId = String(letter?.id);
  });

  it('replays a parked letter once its cause is fixed; replaying again changes nothing', async () => {
    // Prepare: the cause is fixed, the account is opened
    await step(() => harness.append([events.opened(B)]));

    // Act
    const first = await replay(parkedDeferredId);
    const again = await replay(parkedDeferredId);

    // Assess
    expect(first.result).toBe('applied: resolved');
    expect(again.result).toBe('unchanged: already resolved');
    expect(await balanceOf(B)).toBe('700');
    expect(await appliedTransactions(B)).toBe(1);
    expect((await historyOf(parkedDeferredId)).filter((row) => row.action === 'replay')).toEqual([
      { action: 'replay', outcome: 'applied', actor: 'test-operator' },
    ]);
  });

  it('lets two retriers at once attempt each due letter exactly once', async () => {
    // Prepare: six deferred letters
    const accounts = Array.from({ length: 6 }, account);
    await step(() => harness.append(accounts.map((id) => events.topup(id, 100))));
    const now = later();

    // Act
    const [one, two] = await Promise.all([retry(now), retry(now)]);
    const [three, four] = await Promise.all([retry(now), retry(now)]);

    // Assess
    expect((one?.attempted ?? 0) + (two?.attempted ?? 0)).toBe(6);
    expect((three?.attempted ?? 0) + (four?.attempted ?? 0)).toBe(0);
    for (const id of accounts) {
      const [letter] = await letterOf(id);
      expect(letter).toMatchObject({ attempts: 2, status: 'retrying' });
      const attempts = (await historyOf(String(letter?.id))).filter((row) => row.action === 'attempt');
      expect(attempts).toHaveLength(1);
    }
  });

  it("stores Lambda's native on-failure record from the fixture and retries it like our own", async () => {
    // Prepare: a real topup record, failed by the trigger, described as Lambda's destination does
    const W = account();
    const before = await harness.endOffsets(Object.values(TopicName));
    await harness.append([events.topup(W, 2_500)]);
    const after = await harness.endOffsets(Object.values(TopicName));
    const [record] = await harness.collect(
      only(before, TopicName.transactionEvents),
      only(after, TopicName.transactionEvents),
      (key) => key === W,
    );
    if (!record) throw new Error('topup not read back');
    const native = JSON.parse(
      readFileSync(join(__dirname, 'fixtures', 'lambda-on-failure-record.json'), 'utf8'),
    );
    native.payload.records = {
      [`${record.topic}-${record.partition}`]: [
        {
          topic: record.topic,
          partition: record.partition,
          offset: Number(record.offset),
          timestamp: Number(record.timestamp),
          timestampType: 'CREATE_TIME',
          key: record.key?.toString('base64'),
          value: record.value?.toString('base64'),
          headers: record.headers.map((header) => ({
            [header.key]: header.value === null ? null : toSignedBytes(header.value),
          })),
        },
      ],
    };

    // Act
    const stored = await step(() =>
      harness.appendRaw(TopicName.deadLetter, [{ key: W, value: JSON.stringify(native) }]),
    );
    await retry();
    const early = await letterOf(W);
    await step(() => harness.append([events.opened(W)]));
    const late = await retry();

    // Assess
    expect(stored).toEqual({ stored: 1, duplicates: 0, parked: 0 });
    expect(early).toEqual([
      expect.objectContaining({
        origin: 'lambda-on-failure',
        status: 'retrying',
        attempts: 2,
        failure_code: 'ACCOUNT_NOT_FOUND',
      }),
    ]);
    expect(late.resolved).toBeGreaterThanOrEqual(1);
    expect(await letterOf(W)).toEqual([
      expect.objectContaining({ origin: 'lambda-on-failure', status: 'resolved', failure_class: 'deferred' }),
    ]);
    expect(await balanceOf(W)).toBe('2500');
    expect(await appliedTransactions(W)).toBe(1);
  });
});
