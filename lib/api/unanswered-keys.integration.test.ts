import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { postgresIdempotencyStore } from './idempotency-store';
import { answerAppendedKeys } from './unanswered-keys';

const CONSUMERS = ['account-projector', 'transaction-projector', 'transfer-saga'];
const MINUTE = 60_000;

/** A key is never left without its answer once its event is in the log: on the real database. */
describe('the answer sweep of Idempotency-Keys', () => {
  let db: TestDatabase;
  const now = new Date('2026-12-03T10:00:00Z');
  const store = () => postgresIdempotencyStore(async () => db.pool);

  beforeAll(async () => {
    db = await createTestDatabase('billing_unanswered_keys');
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** A key reserved `ageMs` before now, as handleApiRequest reserves it before the append. */
  async function reserved(key: string, ageMs: number, recordedBy?: string) {
    const eventId = randomUUID();
    await store().reserve('sweep-client', key, {
      operation: 'POST /accounts/x/topups',
      requestHash: 'a'.repeat(64),
      eventId,
      aggregateId: randomUUID(),
      acceptedBody: { transactionId: eventId, status: 'accepted' },
      now: new Date(now.getTime() - ageMs),
    });
    if (recordedBy) {
      await db.pool.query(
        `INSERT INTO processed_events (consumer, event_id, topic, partition, "offset") VALUES ($1, $2, 'billing.transaction.events', 0, 1)`,
        [recordedBy, eventId],
      );
    }
    return eventId;
  }

  it('answers a key whose event a consumer recorded, and only such keys old enough', async () => {
    // Prepare
    const appended = await reserved('appended', 2 * MINUTE, 'transaction-projector');
    await reserved('never-appended', 2 * MINUTE);
    await reserved('still-in-flight', 10_000, 'transaction-projector');
    await reserved('answered', 2 * MINUTE, 'account-projector');
    await store().complete('sweep-client', 'answered', { statusCode: 202, body: { first: true } }, now);
    await reserved('other-consumer', 2 * MINUTE, 'some-other-reader');

    // Act
    const answered = await answerAppendedKeys(db.pool, CONSUMERS, { now });
    const again = await answerAppendedKeys(db.pool, CONSUMERS, { now });

    // Assess
    expect({ answered, again }).toEqual({ answered: 1, again: 0 });
    const answerOf = async (key: string) => (await store().find('sweep-client', key))?.answer ?? null;
    expect(await answerOf('appended')).toEqual({
      statusCode: 202,
      body: { transactionId: appended, status: 'accepted' },
    });
    expect(await answerOf('never-appended')).toBeNull();
    expect(await answerOf('still-in-flight')).toBeNull();
    expect(await answerOf('other-consumer')).toBeNull();
    expect(await answerOf('answered')).toEqual({ statusCode: 202, body: { first: true } });
  });
});
