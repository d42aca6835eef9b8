import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeadLetterEventType, type DeadLetterRecorded, TopicName } from '../../schemas';
import { transactionProjector } from '../ledger';
import { buildMskEvent, type KafkaRecordInput } from '../msk';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { directRun } from '../projection/testing/direct-run';
import { eventFactory } from '../projection/testing/events';
import { LetterFailureCode } from './constants';
import { receiveDeadLetters } from './intake';
import { findLetter } from './store';
import { TEST_RETRY_SETTINGS } from './testing/test-retrier';

const logger = new Logger({ serviceName: 'dead-letter-intake-test', logLevel: 'CRITICAL' });

/** Dead-letter intake stores every letter, whatever bytes it quotes: on the real database. */
describe('dead-letter intake of poison letters', () => {
  let db: TestDatabase;
  const events = eventFactory();

  beforeAll(async () => {
    db = await createTestDatabase('billing_intake');
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** A Lambda on-failure record (the fixture) whose failed record is given `overrides`. */
  const nativeRecordWith = (overrides: Record<string, unknown>) => {
    const native = JSON.parse(
      readFileSync(join(__dirname, 'fixtures', 'lambda-on-failure-record.json'), 'utf8'),
    ) as { payload: { records: Record<string, Record<string, unknown>[]> } };
    const [first] = Object.values(native.payload.records);
    if (!first?.[0]) throw new Error('the fixture carries a record');
    first[0] = { ...first[0], ...overrides };
    native.payload.records = { only: [first[0]] };
    return Buffer.from(JSON.stringify(native));
  };

  it('dead-letters a record whose key holds NUL and invalid UTF-8, and stores its letter', async () => {
    // Prepare: a binary key, as a foreign producer might write on a billing topic
    const run = directRun(db.pool, logger);
    const record = {
      ...run.recordOf(TopicName.transactionEvents, 'binary', Buffer.from([0, 0, 0, 0, 9, 0xff])),
      key: Buffer.from([0, 0xc3, 0x28, 0xff]),
    };

    // Act
    const report = await run.projectRecords(transactionProjector, [record]);
    const letter = run.published.find(
      (event): event is DeadLetterRecorded => event.eventType === DeadLetterEventType.deadLetterRecorded,
    );
    if (!letter) throw new Error('the record was dead-lettered');
    const stored = await receiveDeadLetters(
      JSON.parse(
        JSON.stringify(
          buildMskEvent({
            eventSourceArn: 'test',
            bootstrapServers: [],
            records: [run.recordOf(TopicName.deadLetter, 'binary', Buffer.from(JSON.stringify(letter)))],
          }),
        ),
      ),
      { pool: db.pool },
      { now: new Date(), settings: TEST_RETRY_SETTINGS, random: () => 0.5, logger },
    );

    // Assess
    expect(report.totals.RecordsDeadLettered).toBe(1);
    expect(stored).toMatchObject({ stored: 1 });
    const kept = await findLetter(db.pool, letter.payload.deadLetterId);
    expect(Buffer.from(kept?.source.key ?? '', 'base64')).toEqual(record.key);
  });

  it('stores a wire-format record quoted with NUL, and parks letters PostgreSQL refuses as the records that carried them', async () => {
    // Prepare: a Confluent wire-format record (0x00, a schema id, then JSON) with a header name
    // holding NUL, projected by the real runner: its dead letter's message quotes the NUL bytes
    const run = directRun(db.pool, logger);
    const accountId = randomUUID();
    const value = Buffer.concat([
      Buffer.from([0, 0, 0, 0, 7]),
      Buffer.from(JSON.stringify(events.topup(accountId, 5))),
    ]);
    await run.projectRecords(transactionProjector, [
      run.recordOf(TopicName.transactionEvents, accountId, value, { 'trace\u0000id': 'x' }),
    ]);
    const letter = run.published.find(
      (event): event is DeadLetterRecorded => event.eventType === DeadLetterEventType.deadLetterRecorded,
    );
    if (!letter) throw new Error('the record was dead-lettered');
    expect(letter.payload.failure.message).toContain('\u0000');
    const letterRecords: KafkaRecordInput[] = [
      run.recordOf(TopicName.deadLetter, accountId, Buffer.from(JSON.stringify(letter))),
      // A failed record with a topic too big for the index, and one with an offset past bigint
      run.recordOf(
        TopicName.deadLetter,
        'big',
        nativeRecordWith({ topic: randomBytes(6_000).toString('base64') }),
      ),
      run.recordOf(TopicName.deadLetter, 'far', nativeRecordWith({ offset: '99999999999999999999' })),
      run.recordOf(TopicName.deadLetter, 'fine', nativeRecordWith({ offset: 42 })),
    ];
    const mskEvent = JSON.parse(
      JSON.stringify(buildMskEvent({ eventSourceArn: 'test', bootstrapServers: [], records: letterRecords })),
    );

    // Act
    const report = await receiveDeadLetters(
      mskEvent,
      { pool: db.pool },
      { now: new Date(), settings: TEST_RETRY_SETTINGS, random: () => 0.5, logger },
    );

    // Assess: every letter stored, the wire-format one byte for byte
    expect(report).toMatchObject({ received: 4, stored: 4, duplicates: 0 });
    const stored = await findLetter(db.pool, letter.payload.deadLetterId);
    expect(stored?.failureMessage).toContain('\\u0000');
    expect(Buffer.from(stored?.source.value ?? '', 'base64')).toEqual(value);
    expect(stored?.source.headers.map((header) => header.key)).toContain('trace\u0000id');
    const { rows } = await db.pool.query(
      `SELECT status, failure_code, source_topic, letter_offset::text FROM dead_letters WHERE failure_code = $1 ORDER BY letter_offset`,
      [LetterFailureCode.unstorable],
    );
    expect(rows).toEqual([
      expect.objectContaining({ status: 'parked', source_topic: TopicName.deadLetter }),
      expect.objectContaining({ status: 'parked', source_topic: TopicName.deadLetter }),
    ]);
    expect(
      await receiveDeadLetters(
        mskEvent,
        { pool: db.pool },
        { now: new Date(), settings: TEST_RETRY_SETTINGS, random: () => 0.5, logger },
      ),
    ).toMatchObject({ stored: 0, duplicates: 4 });
  });
});
