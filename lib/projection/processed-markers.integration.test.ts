import { randomUUID } from 'node:crypto';
import { claimMarkers } from './processed-markers';
import { createTestDatabase, type TestDatabase } from './testing/database';

/** Marking records processed is also the "processed already?" lookup: on the real database. */
describe('claimMarkers', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('billing_markers');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const markerOf = (id: string, offset: number) => ({
    id,
    origin: {
      topic: 'billing.transaction.events',
      partition: 4,
      offset: String(offset),
      timestamp: new Date(0).toISOString(),
      timestampMs: 0,
      timestampType: 'CREATE_TIME',
      key: null,
      value: null,
      headers: [],
    },
  });

  it('answers the ids not marked before, once each, in lower case, and marks them', async () => {
    // Prepare
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const now = new Date().toISOString();

    // Act: a given in upper case, b twice in one batch; then a and c
    const first = await claimMarkers(
      db.pool,
      'test-consumer',
      [markerOf(a.toUpperCase(), 1), markerOf(b, 2), markerOf(b, 3)],
      now,
    );
    const second = await claimMarkers(db.pool, 'test-consumer', [markerOf(a, 4), markerOf(c, 5)], now);
    const otherConsumer = await claimMarkers(db.pool, 'other-consumer', [markerOf(a, 4)], now);

    // Assess
    expect(first).toEqual(new Set([a, b]));
    expect(second).toEqual(new Set([c]));
    expect(otherConsumer).toEqual(new Set([a]));
    const rows = await db.pool.query<{ event_id: string; offset: string }>(
      `SELECT event_id, "offset" FROM processed_events WHERE consumer = 'test-consumer' ORDER BY "offset"`,
    );
    expect(rows.rows).toEqual([
      { event_id: a, offset: '1' },
      { event_id: b, offset: '2' },
      { event_id: c, offset: '5' },
    ]);
  });
});
