import { randomUUID } from 'node:crypto';
import { parseEvent, topicOfEventType } from '../../schemas';
import { handleApiRequest } from './handle';
import { openApiDocument } from './openapi';
import { anAccount, inMemoryPorts } from './testing/in-memory-ports';
import { apiRequest } from './testing/requests';
import type { ApiContext, ApiRequest } from './types';

const NOW = new Date('2026-11-27T09:00:00.000Z');
const ALICE = '0b9f3c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c';
const BOB = '1c8e2d3b-2e5f-4a7b-9c8d-0e1f2a3b4c5d';

const request = apiRequest;
/** The same request from an operator, who is told an account is unknown (404; others get 403). */
const asOperator = (req: ApiRequest): ApiRequest => ({ ...req, operator: true });

function setup(overrides: Partial<ApiContext> = {}) {
  const memory = inMemoryPorts();
  memory.accounts.set(ALICE, anAccount(ALICE, { balance: { minorUnits: '10000', currency: 'EUR' } }));
  memory.accounts.set(BOB, anAccount(BOB));
  const errors: unknown[] = [];
  const context: ApiContext = {
    now: NOW,
    randomId: randomUUID,
    onUnexpectedError: (error) => errors.push(error),
    ...overrides,
  };
  const send = async (req: ApiRequest) => {
    const response = await handleApiRequest(req, memory.ports, context, openApiDocument);
    return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { ...memory, send, errors };
}

describe('commands', () => {
  it('opens an account: 202 with the ids to follow it, and one schema-valid AccountOpened appended', async () => {
    // Prepare
    const { send, appended } = setup();

    // Act
    const response = await send(request('POST', '/accounts', { customerId: randomUUID(), currency: 'EUR' }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ status: 'accepted', eventType: 'AccountOpened' });
    expect(response.headers.location).toBe(`/accounts/${response.json.accountId}`);
    expect(appended).toHaveLength(1);
    const [event] = appended;
    expect(event?.eventId).toBe(response.json.eventId);
    expect(event?.occurredAt).toBe(NOW.toISOString());
    expect(parseEvent(topicOfEventType(event?.eventType ?? ''), event).ok).toBe(true);
  });

  it.each([
    [
      'POST',
      `/accounts/${ALICE}/topups`,
      { amount: { minorUnits: '2500', currency: 'EUR' } },
      'TopupRequested',
    ],
    [
      'POST',
      `/accounts/${ALICE}/withdrawals`,
      { amount: { minorUnits: '100', currency: 'EUR' } },
      'WithdrawalRequested',
    ],
    [
      'POST',
      `/accounts/${ALICE}/refunds`,
      { amount: { minorUnits: '100', currency: 'EUR' }, originalTransactionId: randomUUID() },
      'RefundRequested',
    ],
    [
      'POST',
      `/accounts/${ALICE}/status`,
      { status: 'suspended', reason: 'fraud check' },
      'AccountStatusChanged',
    ],
    [
      'POST',
      '/transfers',
      { fromAccountId: ALICE, toAccountId: BOB, amount: { minorUnits: '2500', currency: 'EUR' } },
      'TransferRequested',
    ],
  ])('%s %s appends a valid %s', async (method, path, body, eventType) => {
    // Prepare
    const { send, appended } = setup();

    // Act
    const response = await send(request(method, path, body));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(appended.map((event) => event.eventType)).toEqual([eventType]);
    expect(parseEvent(topicOfEventType(eventType), appended[0]).ok).toBe(true);
  });

  it('records the status the read model shows as the change’s from', async () => {
    const { send, appended } = setup();
    await send(
      request('POST', `/accounts/${ALICE}/status`, { status: 'closed', reason: 'customer request' }),
    );
    expect(appended[0]?.payload).toMatchObject({ accountId: ALICE, from: 'active', to: 'closed' });
  });

  it.each([
    [{ amount: { minorUnits: 25.5, currency: 'EUR' } }, 'amount.minorUnits', '/amount/minorUnits'],
    [{ amount: { minorUnits: '25.50', currency: 'EUR' } }, 'amount.minorUnits', '/amount/minorUnits'],
    [{ amount: { minorUnits: '0', currency: 'EUR' } }, 'amount.minorUnits', '/amount/minorUnits'],
    [
      { amount: { minorUnits: '1000000000000001', currency: 'EUR' } },
      'amount.minorUnits',
      '/amount/minorUnits',
    ],
    [{ amount: { minorUnits: '100', currency: 'XYZ' } }, 'amount.currency', '/amount/currency'],
    [{ amount: { minorUnits: '100', currency: 'EUR' }, tip: 1 }, '', '/'],
  ])('refuses a bad topup %j with 400 naming the field', async (body, field, pointer) => {
    // Prepare
    const { send, appended } = setup();

    // Act
    const response = await send(request('POST', `/accounts/${ALICE}/topups`, body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ type: '/problems/invalid-request', status: 400 });
    expect(response.json.errors).toEqual([expect.objectContaining({ in: 'body', field, pointer })]);
    expect(appended).toHaveLength(0);
  });

  it('refuses a transfer to the same account with the event schema’s rule, naming toAccountId', async () => {
    const { send, appended } = setup();
    const response = await send(
      request('POST', '/transfers', {
        fromAccountId: ALICE,
        toAccountId: ALICE,
        amount: { minorUnits: '1', currency: 'EUR' },
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json.errors).toEqual([
      expect.objectContaining({ field: 'toAccountId', detail: 'must differ from fromAccountId' }),
    ]);
    expect(appended).toHaveLength(0);
  });

  it('refuses a body that is not JSON (400) or not sent as JSON (415)', async () => {
    const { send } = setup();
    expect((await send(request('POST', '/accounts', '{"customerId":'))).statusCode).toBe(400);
    expect(
      (await send(request('POST', '/accounts', 'a=b', { 'content-type': 'text/plain' }))).statusCode,
    ).toBe(415);
  });

  it('answers 404 naming the field for an account the read model does not know (to an operator, or a transfer destination)', async () => {
    const { send, appended } = setup();
    const stranger = randomUUID();
    const topup = await send(
      asOperator(
        request('POST', `/accounts/${stranger}/topups`, { amount: { minorUnits: '1', currency: 'EUR' } }),
      ),
    );
    const transfer = await send(
      request('POST', '/transfers', {
        fromAccountId: ALICE,
        toAccountId: stranger,
        amount: { minorUnits: '1', currency: 'EUR' },
      }),
    );
    expect(topup.statusCode).toBe(404);
    expect(topup.json.errors).toEqual([expect.objectContaining({ in: 'path', field: 'accountId' })]);
    expect(transfer.statusCode).toBe(404);
    expect(transfer.json.errors).toEqual([expect.objectContaining({ in: 'body', field: 'toAccountId' })]);
    expect(appended).toHaveLength(0);
  });
});

describe('Idempotency-Key', () => {
  const topup = (minorUnits: string, key: string) =>
    request(
      'POST',
      `/accounts/${ALICE}/topups`,
      { amount: { minorUnits, currency: 'EUR' } },
      { 'idempotency-key': key },
    );

  it('answers a retry as the first time, with the same ids, and appends no second event', async () => {
    // Prepare
    const { send, appended } = setup();
    const key = randomUUID();

    // Act
    const first = await send(topup('2500', key));
    const retry = await send(topup('2500', key));

    // Assess
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(appended).toHaveLength(1);
  });

  it('refuses the same key with another body (409) and appends nothing', async () => {
    const { send, appended } = setup();
    const key = randomUUID();
    await send(topup('2500', key));
    const other = await send(topup('2600', key));
    expect(other.statusCode).toBe(409);
    expect(other.json).toMatchObject({ type: '/problems/idempotency-conflict', status: 409 });
    expect(appended).toHaveLength(1);
  });

  it('derives the same event ids on a retry after Kafka was down, so consumers apply it once', async () => {
    // Prepare
    const { send, appended, outage } = setup();
    const key = randomUUID();
    outage.kafka = true;

    // Act
    const failed = await send(topup('2500', key));
    outage.kafka = false;
    const retried = await send(topup('2500', key));

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(retried.statusCode).toBe(202);
    expect(appended).toHaveLength(1);
    expect(appended[0]?.eventId).toBe(retried.json.eventId);
  });

  it('answers 202 when the event is appended but its key cannot be recorded; a retry appends the same event id', async () => {
    const { send, appended, outage } = setup();
    const key = randomUUID();
    outage.completeFails = true;
    const first = await send(topup('2500', key));
    outage.completeFails = false;
    const retry = await send(topup('2500', key));
    expect(first.statusCode).toBe(202);
    expect(retry.json.eventId).toBe(first.json.eventId);
    expect(new Set(appended.map((event) => event.eventId)).size).toBe(1);
  });

  it('marks the answer to a retry of a key whose first request was never answered as replayed', async () => {
    // Prepare: the first request appended its event, then its key could not be completed
    const { send, appended, outage } = setup();
    const key = randomUUID();
    outage.completeFails = true;
    const first = await send(topup('2500', key));
    outage.completeFails = false;

    // Act
    const retry = await send(topup('2500', key));
    const again = await send(topup('2500', key));

    // Assess
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(new Set(appended.map((event) => event.eventId))).toEqual(new Set([first.json.eventId]));
  });

  it('refuses a key that is not visible ASCII', async () => {
    const { send } = setup();
    const response = await send(topup('1', 'has space'));
    expect(response.statusCode).toBe(400);
    expect(response.json.errors).toEqual([
      expect.objectContaining({ in: 'header', field: 'Idempotency-Key' }),
    ]);
  });
});

describe('queries and errors', () => {
  it('reads an account with its balance, and 404 for an unknown one', async () => {
    const { send } = setup();
    const found = await send(request('GET', `/accounts/${ALICE}`));
    const missing = await send(asOperator(request('GET', `/accounts/${randomUUID()}`)));
    expect(found.statusCode).toBe(200);
    expect(found.json.balance).toEqual({ minorUnits: '10000', currency: 'EUR' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json).toMatchObject({ type: '/problems/not-found', status: 404 });
  });

  it('counts dead letters by status', async () => {
    const { send } = setup();
    const response = await send(asOperator(request('GET', '/dead-letters/counts')));
    expect(response.json).toEqual({
      counts: { received: 1, retrying: 0, resolved: 2, parked: 3, discarded: 0 },
      total: 6,
    });
  });

  it.each([
    ['GET', '/accounts/not-a-uuid', 400],
    ['GET', '/transactions/123', 400],
    ['GET', '/nowhere', 404],
    // API Gateway routes on method and path: no route, and the function answers 404 if reached.
    ['DELETE', '/accounts', 404],
  ])('%s %s answers %d', async (method, path, status) => {
    const { send } = setup();
    expect((await send(request(method, path))).statusCode).toBe(status);
  });

  it('serves the route of the route key API Gateway matched, with its path parameters', async () => {
    // Prepare: the path alone would name no route; the route key and parameters decide
    const { send } = setup();
    const routed = {
      ...request('GET', '/stage-mapped/elsewhere'),
      routeKey: 'GET /accounts/{accountId}',
      pathParameters: { accountId: ALICE },
    };

    // Act
    const account = await send(routed);
    const unserved = await send({ ...routed, routeKey: 'DELETE /accounts/{accountId}' });

    // Assess
    expect(account.statusCode).toBe(200);
    expect(account.json).toMatchObject({ accountId: ALICE });
    expect(unserved.statusCode).toBe(404);
  });

  it('refuses a limit out of range and a cursor it did not write', async () => {
    const { send } = setup();
    const limit = await send({ ...request('GET', `/accounts/${ALICE}/transactions`), query: { limit: '0' } });
    const cursor = await send({
      ...request('GET', `/accounts/${ALICE}/transactions`),
      query: { cursor: 'bm9wZQ' },
    });
    expect(limit.statusCode).toBe(400);
    expect(limit.json.errors).toEqual([expect.objectContaining({ in: 'query', field: 'limit' })]);
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json.errors).toEqual([expect.objectContaining({ in: 'query', field: 'cursor' })]);
  });

  it('answers 503 with Retry-After when the database is down, never 500', async () => {
    const { send, outage } = setup();
    outage.database = true;
    const query = await send(request('GET', `/accounts/${ALICE}`));
    const command = await send(
      request('POST', `/accounts/${ALICE}/topups`, { amount: { minorUnits: '1', currency: 'EUR' } }),
    );
    for (const response of [query, command]) {
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json).toMatchObject({ type: '/problems/service-unavailable', dependency: 'database' });
    }
  });

  it('answers 500 without details for a bug, and reports it', async () => {
    const { send, ports, errors } = setup();
    ports.readModel.transfer = async () => {
      throw new TypeError('boom');
    };
    const response = await send(request('GET', `/transfers/${randomUUID()}`));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('boom');
    expect(errors).toHaveLength(1);
  });
});

describe('the deadline', () => {
  it('answers 503 with Retry-After when a command is not answered in time, and a retry with its key finds the outcome', async () => {
    // Prepare: Kafka takes longer than the deadline to take the event
    const { send, appended, ports } = setup({ deadlineMs: 50 });
    const append = ports.events.append;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    ports.events.append = async (event) => {
      await released;
      return append(event);
    };
    const key = randomUUID();
    const body = { amount: { minorUnits: '2500', currency: 'EUR' } };

    // Act
    const late = await send(request('POST', `/accounts/${ALICE}/topups`, body, { 'idempotency-key': key }));
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const retry = await send(request('POST', `/accounts/${ALICE}/topups`, body, { 'idempotency-key': key }));

    // Assess
    expect(late.statusCode).toBe(503);
    expect(late.headers['retry-after']).toBe('5');
    expect(late.json).toMatchObject({ type: '/problems/service-unavailable', status: 503 });
    expect(String(late.json.detail)).toContain('may still take effect');
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(appended.map((event) => event.eventId)).toEqual([retry.json.eventId]);
  });

  it('answers a query that is not answered in time 503 too', async () => {
    const { send, ports } = setup({ deadlineMs: 20 });
    ports.readModel.accounts = () => new Promise(() => undefined);
    const response = await send(request('GET', `/accounts/${ALICE}`));
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
  });
});
