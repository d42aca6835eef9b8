import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { TopicName } from '../../schemas';
import { connectedAdmin, endOffsets } from '../kafka/testing/cluster';
import { RunTopics } from '../kafka/testing/run-topics';
import { ProjectionEnvVariable } from '../projection/constants';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { handleApiRequest } from './handle';
import { openApiDocument } from './openapi';
import { BillingApiResources } from './resources';
import { apiRequest, TEST_PRINCIPAL } from './testing/requests';
import type { ApiRequest } from './types';

/*
 * Kafka or PostgreSQL down: every request is answered 503 with Retry-After, never 500, and a
 * command whose append failed leaves nothing behind but its unfinished key, so that its retry
 * appends the same event id. What it appends goes to topics of the run's own (BILLING_TOPIC_PREFIX).
 */

jest.setTimeout(120_000);

const logger = new Logger({ serviceName: 'billing-api-test', logLevel: 'SILENT' });

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

const request = apiRequest;

describe('the API when Kafka or PostgreSQL is down', () => {
  let db: TestDatabase;
  let topics: RunTopics;
  const opened: BillingApiResources[] = [];
  const resources = (env: NodeJS.ProcessEnv) => {
    const created = new BillingApiResources(
      { ...env, [ProjectionEnvVariable.topicPrefix]: topics.prefix },
      logger,
    );
    opened.push(created);
    return created;
  };
  const send = (resource: BillingApiResources, req: ApiRequest) =>
    handleApiRequest(req, resource.ports(), { now: new Date(), randomId: randomUUID }, openApiDocument);

  beforeAll(async () => {
    db = await createTestDatabase('billing_api_outage');
    const admin = await connectedAdmin();
    try {
      topics = await RunTopics.create(admin, 'api-outage');
    } finally {
      await admin.disconnect();
    }
  });
  afterAll(async () => {
    await Promise.allSettled(opened.map((resource) => resource.close()));
    if (topics) {
      const admin = await connectedAdmin();
      await topics.delete(admin).finally(() => admin.disconnect());
    }
    await db?.drop();
  });

  it('answers 503 with Retry-After for queries and commands when the database cannot be reached', async () => {
    // Prepare
    const port = await closedPort();
    const api = resources({
      DATABASE_URL: `postgres://billing:billing@127.0.0.1:${port}/billing`,
      KAFKA_BROKERS: 'localhost:9092',
    });

    // Act
    const query = await send(api, request('GET', `/accounts/${randomUUID()}`));
    const command = await send(
      api,
      request('POST', `/accounts/${randomUUID()}/topups`, { amount: { minorUnits: '1', currency: 'EUR' } }),
    );
    const counts = await send(api, { ...request('GET', '/dead-letters/counts'), operator: true });

    // Assess
    for (const response of [query, command, counts]) {
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(JSON.parse(response.body)).toMatchObject({ status: 503, dependency: 'database' });
    }
  });

  it('answers 503 when Kafka cannot be reached, and the retry with the same key appends the same event id', async () => {
    // Prepare: an account of the caller in the read model; Kafka on a closed port
    const accountId = randomUUID();
    await db.pool.query(
      `INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at, owner_principal)
       VALUES ($1, $2, 'EUR', 'active', 0, 1, now(), now(), $3)`,
      [accountId, randomUUID(), TEST_PRINCIPAL],
    );
    const down = resources({ DATABASE_URL: db.url, KAFKA_BROKERS: `127.0.0.1:${await closedPort()}` });
    const up = resources({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: 'localhost:9092,localhost:9093,localhost:9094',
    });
    const key = randomUUID();
    const topup = () =>
      request(
        'POST',
        `/accounts/${accountId}/topups`,
        { amount: { minorUnits: '700', currency: 'EUR' } },
        { 'idempotency-key': key },
      );

    // Act
    const failed = await send(down, topup());
    const unfinished = await db.pool.query('SELECT event_id, response_status FROM api_idempotency_keys');
    const retried = await send(up, topup());

    // Assess: 503 with nothing appended; the retry appends the key's event id, once
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(JSON.parse(failed.body)).toMatchObject({ dependency: 'kafka' });
    expect(unfinished.rows).toEqual([{ event_id: expect.any(String), response_status: null }]);
    expect(retried.statusCode).toBe(202);
    const accepted = JSON.parse(retried.body);
    expect(accepted.eventId).toBe(unfinished.rows[0]?.event_id);
    const again = await send(up, topup());
    expect(JSON.parse(again.body)).toEqual(accepted);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The one event is on the run's topic, where BILLING_TOPIC_PREFIX sends the API's appends.
    const admin = await connectedAdmin();
    const ends = await endOffsets(admin, topics.physical(TopicName.transactionEvents)).finally(() =>
      admin.disconnect(),
    );
    expect([...ends.values()].reduce((sum, end) => sum + Number(end), 0)).toBe(1);
  });
});
