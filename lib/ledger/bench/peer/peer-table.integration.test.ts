import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { localDatabaseUrl } from '../../../../local/stack/topology';
import { withDatabase } from '../../../database';
import { peerTableDdl } from './connect-config';

// The peer's table on the real PostgreSQL, written as the JDBC sink writes it: the event's JSON
// text as an untyped parameter (the JDBC URL's stringtype=unspecified; node-pg sends text untyped).

const serverUrl = process.env.DATABASE_URL ?? localDatabaseUrl;
const database = `billing_peer_it_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let client: Client;

beforeAll(async () => {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  client = new Client({ connectionString: withDatabase(serverUrl, database) });
  await client.connect();
  await client.query(peerTableDdl('peer_events'));
});

afterAll(async () => {
  await client?.end();
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe("the peer benchmark's table", () => {
  it('keys each row by the eventId of the JSON text the sink inserts, and refuses the same event twice', async () => {
    // Prepare
    const eventId = randomUUID();
    const event = JSON.stringify({ eventId, eventType: 'TopupRequested', payload: { amount: '100' } });

    // Act
    await client.query('INSERT INTO peer_events (event) VALUES ($1)', [event]);
    const again = client.query('INSERT INTO peer_events (event) VALUES ($1)', [event]);

    // Assess
    await expect(again).rejects.toMatchObject({ code: '23505' });
    const rows = await client.query<{ event_id: string; type: string }>(
      `SELECT event_id, event ->> 'eventType' AS type FROM peer_events`,
    );
    expect(rows.rows).toEqual([{ event_id: eventId, type: 'TopupRequested' }]);
  });
});
