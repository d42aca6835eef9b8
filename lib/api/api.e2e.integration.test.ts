import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, type OfflineProcess } from '../../local/offline/testing/offline-process';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { localAuthorization } from './testing/credentials';
import { startOfflineApi, waitForApi } from './testing/offline-api';

/*
 * End to end through HTTP only, under a real `sls offline --stage local`: the API appends to the
 * run's own copies of the billing topics, the MSK emulator runs the projectors and the transfer saga into a fresh database,
 * and the API reads the outcome back. Nothing but HTTP touches the engine.
 */

jest.setTimeout(600_000);

interface Json {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

describe('the billing API end to end', () => {
  let db: TestDatabase;
  let offline: OfflineProcess;
  let base: string;

  const as = localAuthorization();
  /** A request as alice unless the headers say otherwise (`authorization`). */
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Json> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: as.alice,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const said = () => `sls offline said:\n${offline.output().slice(-3_000)}`;
  /** GETs until `accept` holds, then returns the body. */
  const until = (
    path: string,
    accept: (body: Record<string, unknown>) => boolean,
    what: string,
    headers: Record<string, string> = {},
  ) =>
    eventually(
      async () => {
        // A loaded machine can make serverless-offline drop a connection: poll on.
        const response = await call('GET', path, undefined, headers).catch(() => undefined);
        return response?.status === 200 && accept(response.body) ? response.body : undefined;
      },
      240_000,
      () => `${what} (${path}); ${said()}`,
    );
  const balanceOf = (body: Record<string, unknown>) => (body.balance as { minorUnits: string }).minorUnits;
  const eur = (minorUnits: string) => ({ minorUnits, currency: 'EUR' });

  beforeAll(async () => {
    db = await createTestDatabase('billing_api_e2e');
    offline = await startOfflineApi({
      databaseUrl: db.url,
      functions: ['accountProjector', 'transactionProjector', 'transferSaga'],
      label: 'api-e2e',
    });
    base = offline.httpUrl;
    await waitForApi(base);
  }, 300_000);

  afterAll(async () => {
    await offline?.stop();
    await db?.drop();
  }, 60_000);

  it('opens accounts, tops them up and transfers between them; balances settle to the expected figures', async () => {
    // Prepare: two accounts, opened through the API and projected
    const opened = await Promise.all(
      ['alice', 'bob'].map(() => call('POST', '/accounts', { customerId: randomUUID(), currency: 'EUR' })),
    );
    for (const response of opened) expect(response.status).toBe(202);
    const [alice, bob] = opened.map((response) => String(response.body.accountId));
    for (const id of [alice, bob])
      await until(`/accounts/${id}`, (body) => body.status === 'active', 'account not opened');

    // Act 1: top up, with an Idempotency-Key retried once, and a second key reused with another body
    const key = randomUUID();
    const topup = await call(
      'POST',
      `/accounts/${alice}/topups`,
      { amount: eur('10000') },
      { 'idempotency-key': key },
    );
    const retried = await call(
      'POST',
      `/accounts/${alice}/topups`,
      { amount: eur('10000') },
      { 'idempotency-key': key },
    );
    const conflict = await call(
      'POST',
      `/accounts/${alice}/topups`,
      { amount: eur('99') },
      { 'idempotency-key': key },
    );
    const bobTopup = await call('POST', `/accounts/${bob}/topups`, { amount: eur('500') });

    // Assess 1
    expect(topup.status).toBe(202);
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual(topup.body);
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toContain('application/problem+json');
    expect(bobTopup.status).toBe(202);
    await until(`/accounts/${alice}`, (body) => balanceOf(body) === '10000', 'alice not topped up');
    await until(`/accounts/${bob}`, (body) => balanceOf(body) === '500', 'bob not topped up');
    const applied = await until(
      `/transactions/${topup.body.transactionId}`,
      (body) => body.status === 'applied',
      'topup',
    );
    expect(applied).toMatchObject({ kind: 'topup', amount: eur('10000'), balanceAfter: eur('10000') });

    // Act 2: a transfer that fits, and one that does not (insufficient funds)
    const transfer = await call('POST', '/transfers', {
      fromAccountId: alice,
      toAccountId: bob,
      amount: eur('2500'),
    });
    const tooMuch = await call('POST', '/transfers', {
      fromAccountId: bob,
      toAccountId: alice,
      amount: eur('999999'),
    });
    expect(transfer.status).toBe(202);
    expect(tooMuch.status).toBe(202);

    // Assess 2: the saga completes one and fails the other; balances settle
    const completed = await until(
      `/transfers/${transfer.body.transferId}`,
      (body) => body.status === 'completed',
      'transfer',
    );
    expect(completed).toMatchObject({
      fromAccountId: alice,
      toAccountId: bob,
      amount: eur('2500'),
      compensated: false,
    });
    const failed = await until(
      `/transfers/${tooMuch.body.transferId}`,
      (body) => body.status === 'failed',
      'failed transfer',
    );
    expect(failed).toMatchObject({ reason: 'insufficient_funds', compensated: false });
    await until(`/accounts/${alice}`, (body) => balanceOf(body) === '7500', 'alice not debited');
    await until(`/accounts/${bob}`, (body) => balanceOf(body) === '3000', 'bob not credited');

    // Assess 3: transactions newest first, one page at a time
    const first = await call('GET', `/accounts/${alice}/transactions?limit=1`);
    expect(first.status).toBe(200);
    const firstItems = first.body.items as { kind: string }[];
    expect(firstItems.map((item) => item.kind)).toEqual(['transfer_debit']);
    const second = await call(
      'GET',
      `/accounts/${alice}/transactions?limit=1&cursor=${first.body.nextCursor}`,
    );
    expect((second.body.items as { kind: string }[]).map((item) => item.kind)).toEqual(['topup']);
    expect(second.body.nextCursor).toBeNull();

    // Assess 4: errors as problems
    // An unknown transfer: 404 to an operator, 403 to a customer (as for another's)
    const unknown = await call('GET', `/transfers/${randomUUID()}`, undefined, {
      authorization: as.operator,
    });
    expect(unknown.status).toBe(404);
    expect((await call('GET', `/transfers/${randomUUID()}`)).status).toBe(403);
    const counts = await call('GET', '/dead-letters/counts', undefined, { authorization: as.operator });
    expect(counts.status).toBe(200);
    expect(counts.body.total).toBe(0);

    // Assess 5: who may act on which account, through the real handler and PostgreSQL
    const anonymous = await fetch(`${base}/accounts/${alice}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect(await anonymous.json()).toMatchObject({ type: '/problems/unauthorized', status: 401 });
    const forged = await call('GET', `/accounts/${alice}`, undefined, {
      authorization: `Bearer ${'x'.repeat(4_000)}`,
    });
    expect(forged.status).toBe(401);
    const carol = { authorization: as.carol };
    const notHers = await call('GET', `/accounts/${alice}`, undefined, carol);
    const none = await call('GET', `/accounts/${randomUUID()}`, undefined, carol);
    expect([notHers.status, none.status]).toEqual([403, 403]);
    expect(notHers.body.title).toBe(none.body.title);
    const robbery = await call(
      'POST',
      '/transfers',
      { fromAccountId: alice, toAccountId: bob, amount: eur('1') },
      carol,
    );
    expect(robbery.status).toBe(403);
    expect((await call('GET', `/transfers/${transfer.body.transferId}`, undefined, carol)).status).toBe(403);
    expect((await call('GET', `/accounts/${alice}`, undefined, { authorization: as.operator })).status).toBe(
      200,
    );
    // The same Idempotency-Key from carol is her own request: a new account, hers
    const carols = await call(
      'POST',
      '/accounts',
      { customerId: randomUUID(), currency: 'EUR' },
      { ...carol, 'idempotency-key': key },
    );
    expect(carols.status).toBe(202);
    expect(carols.headers.get('idempotent-replayed')).toBeNull();
    const owned = await until(
      `/accounts/${carols.body.accountId}`,
      (body) => body.status === 'active',
      'carol not opened',
      carol,
    );
    expect(owned.accountId).toBe(carols.body.accountId);
  });

  it("runs the API examples of docs/api.md as written (against this sls offline's port)", async () => {
    // Prepare
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    const block = page.split('<!-- api-commands:start -->')[1]?.split('<!-- api-commands:end -->')[0] ?? '';
    const script = block.replace(/```(bash)?\n?/g, '');
    expect(script).toContain('API=http://localhost:3100');

    // Act
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        '/bin/bash',
        ['-euo', 'pipefail', '-c', script.replace('API=http://localhost:3100', `API=${base}`)],
        { timeout: 120_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      );
    });

    // Assess: the accepted commands, Bob's balance after the transfer, the 400 naming the field
    expect(output).toContain('"status": "accepted"');
    expect(output).toContain('"minorUnits": "2500"');
    expect(output).toContain('"field": "amount.minorUnits"');
    expect(output).toContain('"title": "Billing API"');
    expect(output).toContain('"Forbidden"');
    expect(output).toMatch(/^401$/m);
  });
});
