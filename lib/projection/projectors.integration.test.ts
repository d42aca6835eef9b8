import { randomUUID } from 'node:crypto';
import { bootstrapBrokers } from '../../local/stack/topology';
import { type BillingEvent, type DeadLetterRecorded, TopicName } from '../../schemas';
import { oncePerLetter } from '../dead-letter/testing/our-letters';
import { createTestDatabase, type TestDatabase } from './testing/database';
import { eventFactory } from './testing/events';
import { MskHarness, type Offsets } from './testing/msk-harness';
import {
  loadProjectors,
  only,
  ourRecords,
  type Projectors,
  project,
  replayInAppendOrder,
} from './testing/projection-run';
import { invariantViolations, NO_VIOLATIONS, readModelOf } from './testing/read-model';

const ALL_TOPICS = Object.values(TopicName);

describe('account and transaction projectors on the real cluster and database', () => {
  let harness: MskHarness;
  let db: TestDatabase;
  let projectors: Projectors;
  let closeResources: () => Promise<void>;
  const events = eventFactory();
  const [A, B, C, D] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()] as [
    string,
    string,
    string,
    string,
  ];
  const keys = new Set([A, B, C, D]);
  let starts: Offsets;
  const topupA = events.topup(A, 10_000);
  const transferId = randomUUID();

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('projectors');
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    projectors = await loadProjectors({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
    });
    closeResources = (await import('./resources')).closeHandlerResources;
    starts = await harness.endOffsets(ALL_TOPICS);
  });

  afterAll(async () => {
    await closeResources?.();
    await harness?.stop();
    await db?.drop();
  });

  const phase = async (produce: () => Promise<void>) => {
    const before = await harness.endOffsets(ALL_TOPICS);
    await produce();
    const after = await harness.endOffsets(ALL_TOPICS);
    const records = await ourRecords(harness, before, after, keys);
    return { records, results: await project(projectors, records) };
  };

  const transactionOutcome = async (transactionId: string) =>
    (
      await db.pool.query(
        'SELECT status, rejection_reason, balance_after_minor, reversed_minor FROM transactions WHERE transaction_id = $1',
        [transactionId],
      )
    ).rows[0];
  const balanceOf = async (accountId: string) =>
    (
      await db.pool.query('SELECT balance_minor, status, version FROM accounts WHERE account_id = $1', [
        accountId,
      ])
    ).rows[0];

  const withdrawTooMuch = events.withdrawal(A, 20_000);
  const withdraw = events.withdrawal(A, 3_000);
  const refund = events.refund(A, 4_000, topupA.payload.transactionId);
  const refundTooMuch = events.refund(A, 6_001, topupA.payload.transactionId);
  const debit = events.transferDebit(A, 1_000, transferId, B);
  const credit = events.transferCredit(B, 1_000, transferId, A);
  const wrongCurrency = events.topup(C, 500, 'EUR');
  const early = events.topup(D, 700);

  it('applies the rules: outcomes, balances, double entries, emitted events', async () => {
    // Act
    await phase(async () => {
      await harness.append([events.opened(A), events.opened(B), events.opened(C, 'USD')]);
      await harness.append([topupA, withdrawTooMuch, withdraw, refund, refundTooMuch, debit, wrongCurrency]);
    });
    // The saga requests a credit once its debit is applied (a credit is backed by its debit).
    await phase(() => harness.append([credit]));

    // Assess
    expect(await transactionOutcome(topupA.payload.transactionId)).toEqual({
      status: 'applied',
      rejection_reason: null,
      balance_after_minor: '10000',
      reversed_minor: '4000',
    });
    expect(await transactionOutcome(withdrawTooMuch.payload.transactionId)).toMatchObject({
      status: 'rejected',
      rejection_reason: 'insufficient_funds',
    });
    expect(await transactionOutcome(withdraw.payload.transactionId)).toMatchObject({
      balance_after_minor: '7000',
    });
    expect(await transactionOutcome(refund.payload.transactionId)).toMatchObject({
      balance_after_minor: '3000',
    });
    expect(await transactionOutcome(refundTooMuch.payload.transactionId)).toMatchObject({
      rejection_reason: 'refund_exceeds_original',
    });
    expect(await transactionOutcome(wrongCurrency.payload.transactionId)).toMatchObject({
      rejection_reason: 'currency_mismatch',
    });
    expect(await balanceOf(A)).toEqual({ balance_minor: '2000', status: 'active', version: '5' });
    expect(await balanceOf(B)).toEqual({ balance_minor: '1000', status: 'active', version: '2' });
    const inFlight = await db.pool.query(
      `SELECT sum(amount_minor)::text AS total FROM ledger_entries WHERE ledger_account = 'transfers-in-flight:EUR'`,
    );
    expect(inFlight.rows[0]).toEqual({ total: '0' });
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);

    const outbox = await db.pool.query(
      `SELECT o.event_type, o.position <= COALESCE(p.position, 0) AS published FROM outbox o
         LEFT JOIN outbox_published p USING (producer, source_topic, source_partition) ORDER BY o.position`,
    );
    expect(outbox.rows.map((row) => row.event_type).sort()).toEqual(
      [
        // every recorded transaction's outcome, as the fact a rebuild applies
        ...Array(5).fill('TransactionApplied'),
        ...Array(3).fill('TransactionRejected'),
        'TransferCredited',
        'TransferDebited',
      ].sort(),
    );
    expect(outbox.rows.every((row) => row.published === true)).toBe(true);
  });

  it('publishes the derived events to their topics with deterministic ids', async () => {
    // Act
    const ends = await harness.endOffsets(ALL_TOPICS);
    const published = await harness.collect(
      only(starts, TopicName.sagaEvents),
      only(ends, TopicName.sagaEvents),
      (key) => key === transferId,
    );
    const outcomes = await harness.collect(
      only(starts, TopicName.transactionOutcomes),
      only(ends, TopicName.transactionOutcomes),
      () => true,
    );
    const accountEvents = await harness.collect(
      only(starts, TopicName.accountEvents),
      only(ends, TopicName.accountEvents),
      (key) => key === A,
    );

    // Assess (once per event id: another consumer of the shared topics, an `sls offline`
    // emulator, may publish the same derived events, with the same deterministic ids)
    const saga = published
      .filter(oncePerLetter())
      .map((record) => JSON.parse(record.value?.toString() ?? '') as BillingEvent);
    expect(saga.map((event) => event.eventType).sort()).toEqual(['TransferCredited', 'TransferDebited']);
    expect(saga.find((event) => event.eventType === 'TransferDebited')?.causationId).toBe(debit.eventId);
    // A's balance after each applied movement is in its TransactionApplied, in A's request order;
    // no AccountBalanceChanged is emitted any more.
    const applied = outcomes
      .filter(oncePerLetter())
      .map((record) => JSON.parse(record.value?.toString() ?? '') as BillingEvent)
      .flatMap((event) =>
        event.eventType === 'TransactionApplied' && event.payload.accountId === A ? [event] : [],
      )
      .sort((x, y) => Number(BigInt(x.payload.request.offset) - BigInt(y.payload.request.offset)));
    expect(applied.map((event) => event.payload.balance.minorUnits)).toEqual([
      '10000',
      '7000',
      '3000',
      '2000',
    ]);
    const accountEventTypes = accountEvents.map(
      (record) => (JSON.parse(record.value?.toString() ?? '') as BillingEvent).eventType,
    );
    expect(accountEventTypes).not.toContain('AccountBalanceChanged');
    const ids = (await db.pool.query('SELECT event_id FROM outbox')).rows.map((row) => row.event_id);
    for (const event of [...saga, ...applied]) expect(ids).toContain(event.eventId);
  });

  it('dead-letters a topup that arrives before its account opening as retryable, then applies the opening', async () => {
    // Act
    const deadLetterStart = await harness.endOffsets([TopicName.deadLetter]);
    await phase(() => harness.append([early]));
    await phase(() => harness.append([events.opened(D)]));
    // Once per letter id: another consumer of the shared topics (an `sls offline` emulator) may
    // dead-letter the same record, with the same deterministic id.
    const letters = (
      await harness.collect(
        deadLetterStart,
        await harness.endOffsets([TopicName.deadLetter]),
        (key) => key === D,
      )
    ).filter(oncePerLetter());

    // Assess
    expect(await transactionOutcome(early.payload.transactionId)).toBeUndefined();
    expect(await balanceOf(D)).toEqual({ balance_minor: '0', status: 'active', version: '1' });
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(letters[0]?.value?.toString() ?? '') as DeadLetterRecorded;
    expect(letter.payload.failure).toMatchObject({
      class: 'deferred',
      code: 'ACCOUNT_NOT_FOUND',
      handler: 'transaction-projector',
      attempt: 1,
    });
    expect(letter.causationId).toBe(early.eventId);
    expect(JSON.parse(Buffer.from(letter.payload.source.value ?? '', 'base64').toString())).toEqual(early);
  });

  it('dead-letters malformed, schema-invalid and unknown-type records with their coordinates and goes on', async () => {
    // Prepare
    const after = events.topup(A, 50);
    const invalid = {
      ...events.topup(A, 1),
      payload: { accountId: A, amount: { minorUnits: '1.5', currency: 'EUR' } },
    };
    const unknownType = { ...events.topup(A, 1), eventType: 'LoyaltyPointsGranted' };
    const deadLetterStart = await harness.endOffsets([TopicName.deadLetter]);

    // Act
    const { records } = await phase(async () => {
      await harness.appendRaw(TopicName.transactionEvents, [
        { key: A, value: '{"this is": not json' },
        { key: A, value: JSON.stringify(invalid) },
        { key: A, value: JSON.stringify(unknownType) },
      ]);
      await harness.append([after]);
    });
    const letters = (
      await harness.collect(
        deadLetterStart,
        await harness.endOffsets([TopicName.deadLetter]),
        (key) => key === A,
      )
    )
      .filter(oncePerLetter())
      .map((record) => JSON.parse(record.value?.toString() ?? '') as DeadLetterRecorded);

    // Assess
    expect(await transactionOutcome(after.payload.transactionId)).toMatchObject({
      status: 'applied',
      balance_after_minor: '2050',
    });
    expect(letters.map((letter) => letter.payload.failure.code)).toEqual([
      'NOT_JSON',
      'SCHEMA_INVALID',
      'UNKNOWN_EVENT_TYPE',
    ]);
    records.transaction.slice(0, 3).forEach((record, index) => {
      const letter = letters[index];
      expect(letter?.payload.source).toMatchObject({
        topic: TopicName.transactionEvents,
        partition: record.partition,
        offset: String(record.offset),
        key: Buffer.from(A).toString('base64'),
        value: record.value?.toString('base64'),
      });
      expect(letter?.payload.failure).toMatchObject({ class: 'permanent', handler: 'transaction-projector' });
      expect(letter?.payload.failure.message.length).toBeGreaterThan(0);
    });
    expect(letters[1]?.payload.failure.message).toMatch(/payload\.amount\.minorUnits/);
  });

  it('suspended accounts receive but cannot send; closed accounts do nothing', async () => {
    // Act
    await phase(() =>
      harness.append([
        events.statusChanged(B, 'active', 'suspended'),
        events.statusChanged(C, 'active', 'closed'),
      ]),
    );
    const receive = events.topup(B, 500);
    const send = events.withdrawal(B, 100);
    const closed = events.topup(C, 100, 'USD');
    await phase(() => harness.append([receive, send, closed]));

    // Assess
    expect(await transactionOutcome(receive.payload.transactionId)).toMatchObject({ status: 'applied' });
    expect(await transactionOutcome(send.payload.transactionId)).toMatchObject({
      rejection_reason: 'account_suspended',
    });
    expect(await transactionOutcome(closed.payload.transactionId)).toMatchObject({
      rejection_reason: 'account_closed',
    });
    expect(await balanceOf(B)).toMatchObject({ balance_minor: '1500', status: 'suspended' });
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);
  });

  it('redelivering every batch, and each partition from the start, changes nothing', async () => {
    // Prepare: everything delivered once, including the balance changes published meanwhile
    const ends = await harness.endOffsets(ALL_TOPICS);
    const records = await ourRecords(harness, starts, ends, keys);
    await project(projectors, records, 10_000);
    const before = await readModelOf(db.pool, [...keys], [transferId]);
    const markers = (await db.pool.query('SELECT count(*)::int AS n FROM processed_events')).rows[0];

    // Act: in batches of 3, then as one batch per partition (all ours since the start)
    const small = await project(projectors, records, 3);
    await project(projectors, records, 10_000);

    // Assess
    expect(await readModelOf(db.pool, [...keys], [transferId])).toEqual(before);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM processed_events')).rows[0]).toEqual(markers);
    const skipped = [...small.accountResults, ...small.transactionResults].reduce(
      (sum: number, result) =>
        sum +
        ((result as { totals: { RecordsAlreadyProcessed?: number } }).totals.RecordsAlreadyProcessed ?? 0),
      0,
    );
    expect(skipped).toBe(records.account.length + records.transaction.length);
  });

  it('replaying every topic from the beginning into an empty database reproduces the read model', async () => {
    // Prepare
    const replica = await createTestDatabase();
    const ends = await harness.endOffsets(ALL_TOPICS);
    const records = await ourRecords(harness, starts, ends, keys);
    const compared = [...keys];
    const original = await readModelOf(db.pool, compared, [transferId]);

    // Act
    try {
      process.env.DATABASE_URL = replica.url;
      await replayInAppendOrder(projectors, records, 7);

      // Assess
      const replayed = await readModelOf(replica.pool, compared, [transferId]);
      expect(replayed.accounts).toEqual(original.accounts);
      expect(replayed.transactions).toEqual(original.transactions);
      expect(replayed.entries).toEqual(original.entries);
      expect(replayed.outbox).toEqual(original.outbox);
      expect(replayed.outbox.filter((row) => row.event_type === 'DeadLetterRecorded')).toHaveLength(4);
      expect(await invariantViolations(replica.pool)).toEqual(NO_VIOLATIONS);
    } finally {
      process.env.DATABASE_URL = db.url;
      await replica.drop();
    }
  });
});
