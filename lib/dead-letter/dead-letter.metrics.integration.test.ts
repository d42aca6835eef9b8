import { randomUUID } from 'node:crypto';
import { bootstrapBrokers } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { closeHandlerResources } from '../projection';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import {
  invokeAll,
  type LambdaHandler,
  lambdaContext,
  MskHarness,
  mskEventsOf,
  type Offsets,
} from '../projection/testing/msk-harness';
import { loadProjectors, only, type Projectors } from '../projection/testing/projection-run';
import { lettersKeyedBy } from './testing/our-letters';

jest.setTimeout(180_000);

/** An Embedded Metric Format document, as Powertools Metrics prints it to standard output. */
interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** Runs `action` while capturing standard output (where Powertools Metrics writes EMF); returns its EMF documents. */
async function emfOf<T>(action: () => Promise<T>): Promise<{ result: T; documents: EmfDocument[] }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  });
  let result: T;
  try {
    result = await action();
  } finally {
    spy.mockRestore();
  }
  const documents = chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((document): document is EmfDocument => '_aws' in document);
  return { result, documents };
}

/** The DeadLettersParked values in BillingKafka with the dimension service=dead-letter (and only it). */
const parkedCounts = (documents: readonly EmfDocument[]) =>
  documents.flatMap((document) =>
    document._aws.CloudWatchMetrics.filter(
      (directive) =>
        directive.Namespace === 'BillingKafka' &&
        directive.Metrics.some((metric) => metric.Name === 'DeadLettersParked' && metric.Unit === 'Count') &&
        directive.Dimensions.some((set) => set.length === 1 && set[0] === 'service'),
    )
      .filter(() => document.service === 'dead-letter')
      .map(() => document.DeadLettersParked),
  );

describe('the DeadLettersParked metric of the real handlers', () => {
  let harness: MskHarness;
  let db: TestDatabase;
  let projectors: Projectors;
  let deadLetterHandler: LambdaHandler;
  let retrierHandler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
  const events = eventFactory();
  const keys = new Set<string>();
  const account = () => {
    const id = randomUUID();
    keys.add(id);
    return id;
  };

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('dead-letter-metrics');
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    // Metrics as in Lambda: enabled, written to standard output (not the dev-mode console).
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    delete process.env.POWERTOOLS_DEV;
    process.env.DEAD_LETTER_MAX_ATTEMPTS = '2';
    process.env.DEAD_LETTER_BACKOFF_BASE_SECONDS = '1';
    projectors = await loadProjectors({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
    });
    deadLetterHandler = (await import('../../functions/dead-letter')).handler as unknown as LambdaHandler;
    retrierHandler = (await import('../../functions/dead-letter-retrier'))
      .handler as unknown as typeof retrierHandler;
  });

  afterAll(async () => {
    await closeHandlerResources();
    await harness?.stop();
    await db?.drop();
  });

  /** Our letters: their source record is keyed by one of our ids (other runs share the topic). */
  const ours = lettersKeyedBy(keys);

  /** Produces, projects our records, and returns the dead letters they wrote (for the dead-letter handler). */
  const produceAndProject = async (produce: () => Promise<void>) => {
    const before: Offsets = await harness.endOffsets(Object.values(TopicName));
    await produce();
    const after = await harness.endOffsets(Object.values(TopicName));
    const keep = (key: string | null) => key !== null && keys.has(key);
    for (const [topic, handler, name] of [
      [TopicName.accountEvents, projectors.account, 'account-projector'],
      [TopicName.transactionEvents, projectors.transaction, 'transaction-projector'],
    ] as const) {
      const records = await harness.collect(only(before, topic), only(after, topic), keep);
      await emfOf(() => invokeAll(handler, name, mskEventsOf(records))); // their metrics are not under test
    }
    const letterEnd = await harness.endOffsets([TopicName.deadLetter]);
    const letters = await harness.collect(only(before, TopicName.deadLetter), letterEnd, () => true);
    return mskEventsOf(letters.filter(ours));
  };
  const letterOf = async (accountId: string) =>
    (
      await db.pool.query(
        `SELECT id, status, attempts, failure_class, next_attempt_at FROM dead_letters WHERE convert_from(decode(source_key, 'base64'), 'UTF8') = $1`,
        [accountId],
      )
    ).rows;

  it('counts a permanent letter parked at once by the dead-letter handler', async () => {
    // Prepare
    const P = account();
    const letters = await produceAndProject(() =>
      harness.appendRaw(TopicName.transactionEvents, [{ key: P, value: '{not json' }]),
    );
    expect(letters).toHaveLength(1);

    // Act
    const { result, documents } = await emfOf(() => invokeAll(deadLetterHandler, 'dead-letter', letters));

    // Assess
    expect(result).toEqual([expect.objectContaining({ stored: 1, parked: [expect.anything()] })]);
    expect(await letterOf(P)).toEqual([
      expect.objectContaining({ status: 'parked', failure_class: 'permanent' }),
    ]);
    expect(parkedCounts(documents)).toEqual([1]);
  });

  it('counts a deferred letter parked by the retrier after its last attempt, and not before', async () => {
    // Prepare: a topup before its account opening is stored, to be retried
    const B = account();
    const letters = await produceAndProject(() => harness.append([events.topup(B, 300)]));
    const stored = await emfOf(() => invokeAll(deadLetterHandler, 'dead-letter', letters));
    const [letter] = await letterOf(B);
    expect(letter).toMatchObject({ status: 'received', attempts: 1, failure_class: 'deferred' });
    const dueIn = new Date(letter?.next_attempt_at).getTime() - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueIn) + 250));

    // Act: attempt 2 of 2 fails (the account is still not open)
    const retried = await emfOf(() => retrierHandler({}, lambdaContext('dead-letter-retrier')));

    // Assess
    expect(parkedCounts(stored.documents)).toEqual([0]);
    expect(retried.result).toMatchObject({ attempted: 1, parked: 1 });
    expect(await letterOf(B)).toEqual([expect.objectContaining({ status: 'parked', attempts: 2 })]);
    expect(parkedCounts(retried.documents)).toEqual([1]);
  });

  it('publishes the age of the oldest unresolved letter at every run of the retrier', async () => {
    // Prepare: the parked letters above are unresolved; the oldest is made two hours old
    await db.pool.query(
      `UPDATE dead_letters SET received_at = now() - interval '2 hours'
        WHERE id = (SELECT id FROM dead_letters ORDER BY received_at LIMIT 1)`,
    );

    // Act
    const { documents } = await emfOf(() => retrierHandler({}, lambdaContext('dead-letter-retrier')));

    // Assess
    const ages = documents.flatMap((document) =>
      document._aws.CloudWatchMetrics.some(
        (directive) =>
          directive.Namespace === 'BillingKafka' &&
          directive.Metrics.some(
            (metric) => metric.Name === 'OldestUnresolvedDeadLetterAge' && metric.Unit === 'Seconds',
          ),
      ) && document.service === 'dead-letter'
        ? [Number(document.OldestUnresolvedDeadLetterAge)]
        : [],
    );
    expect(ages).toHaveLength(1);
    expect(ages[0]).toBeGreaterThanOrEqual(2 * 3600);
    expect(ages[0]).toBeLessThan(2 * 3600 + 600);
  });
});
