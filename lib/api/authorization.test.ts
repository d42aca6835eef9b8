import { randomUUID } from 'node:crypto';
import { handleApiRequest } from './handle';
import { openApiDocument } from './openapi';
import { anAccount, inMemoryPorts } from './testing/in-memory-ports';
import { apiRequest } from './testing/requests';
import type { ApiRequest, TransactionView, TransferView } from './types';

/*
 * The authorization model through the handler (in-memory ports): principals × routes × an account
 * owned, not owned, or missing (docs/api.md: Authorization). The pure rule's full matrix is in
 * access.test.ts; here every route answers as the rule decides, and 403s leak nothing.
 */

const NOW = new Date('2026-11-27T09:00:00.000Z');
const ALICE = 'arn:aws:iam::111122223333:user/alice';
const BOB = 'arn:aws:iam::111122223333:user/bob';
const OPS = 'arn:aws:iam::111122223333:role/billing-ops';
const CALLERS = {
  alice: { principal: ALICE, operator: false },
  bob: { principal: BOB, operator: false },
  operator: { principal: OPS, operator: true },
} as const;
type CallerName = keyof typeof CALLERS;

const ALICES = '0b9f3c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c';
const BOBS = '1c8e2d3b-2e5f-4a7b-9c8d-0e1f2a3b4c5d';
const MISSING = '2d7f3e4c-3f6a-4b8c-8d9e-1f2a3b4c5d6e';
const TOPUP = '3e6a4f5d-4a7b-4c9d-9e0f-2a3b4c5d6e7f';
const TRANSFER = '4f5b5a6e-5b8c-4d0e-8f1a-3b4c5d6e7f80';
const eur = (minorUnits: string) => ({ minorUnits, currency: 'EUR' as const });

function setup() {
  const memory = inMemoryPorts();
  memory.accounts.set(ALICES, anAccount(ALICES, { owner: ALICE, balance: eur('10000') }));
  memory.accounts.set(BOBS, anAccount(BOBS, { owner: BOB }));
  const topup: TransactionView = {
    transactionId: TOPUP,
    accountId: ALICES,
    kind: 'topup',
    amount: eur('10000'),
    status: 'applied',
    rejectionReason: null,
    balanceAfter: eur('10000'),
    originalTransactionId: null,
    transferId: null,
    reversed: eur('0'),
    occurredAt: '2026-11-27T08:30:00.000Z',
  };
  memory.transactions.set(TOPUP, topup);
  const transfer: TransferView = {
    transferId: TRANSFER,
    fromAccountId: ALICES,
    toAccountId: BOBS,
    amount: eur('2500'),
    status: 'completed',
    step: 'completed',
    reason: null,
    compensated: false,
    requestedAt: '2026-11-27T08:40:00.000Z',
    updatedAt: '2026-11-27T08:41:00.000Z',
    finishedAt: '2026-11-27T08:41:00.000Z',
  };
  memory.transfers.set(TRANSFER, transfer);
  const send = async (caller: CallerName, req: ApiRequest) => {
    const response = await handleApiRequest(
      { ...req, ...CALLERS[caller] },
      memory.ports,
      { now: NOW, randomId: randomUUID },
      openApiDocument,
    );
    return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { ...memory, send };
}

/** A request on one account (or a transaction, a transfer of it), by route. */
const ROUTES = {
  topUp: (id: string) => apiRequest('POST', `/accounts/${id}/topups`, { amount: eur('100') }),
  withdraw: (id: string) => apiRequest('POST', `/accounts/${id}/withdrawals`, { amount: eur('100') }),
  refund: (id: string) =>
    apiRequest('POST', `/accounts/${id}/refunds`, { amount: eur('100'), originalTransactionId: TOPUP }),
  changeAccountStatus: (id: string) =>
    apiRequest('POST', `/accounts/${id}/status`, { status: 'suspended', reason: 'fraud check' }),
  requestTransfer: (id: string) =>
    apiRequest('POST', '/transfers', {
      fromAccountId: id,
      toAccountId: id === BOBS ? ALICES : BOBS,
      amount: eur('100'),
    }),
  getAccount: (id: string) => apiRequest('GET', `/accounts/${id}`),
  listAccountTransactions: (id: string) => apiRequest('GET', `/accounts/${id}/transactions`),
  getTransaction: (id: string) => apiRequest('GET', `/transactions/${id === ALICES ? TOPUP : randomUUID()}`),
  getTransfer: (id: string) => apiRequest('GET', `/transfers/${id === ALICES ? TRANSFER : randomUUID()}`),
} as const;
type RouteName = keyof typeof ROUTES;
const COMMANDS: readonly RouteName[] = [
  'topUp',
  'withdraw',
  'refund',
  'changeAccountStatus',
  'requestTransfer',
];

/** Alice's account (owned by alice), and one that does not exist. */
const TARGETS = { "alice's": ALICES, missing: MISSING } as const;

function expectedStatus(route: RouteName, caller: CallerName, target: keyof typeof TARGETS): number {
  const ok = COMMANDS.includes(route) ? 202 : 200;
  if (caller === 'operator') return target === 'missing' ? 404 : ok;
  return caller === 'alice' && target === "alice's" ? ok : 403;
}

const matrix = (Object.keys(ROUTES) as RouteName[]).flatMap((route) =>
  (Object.keys(CALLERS) as CallerName[]).flatMap((caller) =>
    (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).map(
      (target) => [route, caller, target, expectedStatus(route, caller, target)] as const,
    ),
  ),
);

describe('authorization through the handler', () => {
  it.each(matrix)('%s by %s on %s account: %i', async (route, caller, target, status) => {
    // Given accounts of alice and bob; When the caller acts on one; Then the model's answer
    const { send, appended } = setup();
    const response = await send(caller, ROUTES[route](TARGETS[target]));
    expect(response.statusCode).toBe(status);
    if (status === 403) {
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.json).toMatchObject({ type: '/problems/forbidden', status: 403 });
      expect(appended).toEqual([]);
    }
  });

  it.each(Object.keys(ROUTES) as RouteName[])(
    '%s: an account that is not yours and one that does not exist answer the same words',
    async (route) => {
      // Given bob, who owns neither; When he asks for alice's and for a missing one
      const { send } = setup();
      const notYours = await send('bob', ROUTES[route](ALICES));
      const missing = await send('bob', ROUTES[route](MISSING));
      // Then: the same problem, but for the id each names
      const normalise = (body: string, ids: readonly string[]) =>
        ids.reduce((text, id) => text.replaceAll(id, '<id>'), body);
      const idsOf = (path: string, body: string | undefined) =>
        [...`${path} ${body ?? ''}`.matchAll(/[0-9a-f-]{36}/g)].map((m) => m[0]);
      const a = ROUTES[route](ALICES);
      const b = ROUTES[route](MISSING);
      expect(notYours.statusCode).toBe(missing.statusCode);
      expect(normalise(notYours.body, [...idsOf(a.path, a.body), TOPUP, TRANSFER])).toBe(
        normalise(missing.body, [...idsOf(b.path, b.body), ...idsOf(missing.body, undefined)]),
      );
    },
  );

  it("lets a customer credit someone else's account by a transfer, never debit it", async () => {
    // Given alice and bob; When alice transfers from hers to bob's, and from bob's to hers
    const { send, appended } = setup();
    const credit = await send('alice', ROUTES.requestTransfer(ALICES));
    const debit = await send('alice', ROUTES.requestTransfer(BOBS));
    // Then the first is appended, the second refused naming the source
    expect(credit.statusCode).toBe(202);
    expect(appended.map((event) => event.payload)).toEqual([
      expect.objectContaining({ fromAccountId: ALICES, toAccountId: BOBS }),
    ]);
    expect(debit.statusCode).toBe(403);
    expect(debit.json.errors).toEqual([
      expect.objectContaining({ in: 'body', field: 'fromAccountId', pointer: '/fromAccountId' }),
    ]);
  });

  it("says a transfer's destination is unknown (404) only once its source is the caller's", async () => {
    const { send } = setup();
    const body = (from: string) => ({ fromAccountId: from, toAccountId: MISSING, amount: eur('1') });
    expect((await send('alice', apiRequest('POST', '/transfers', body(ALICES)))).statusCode).toBe(404);
    expect((await send('bob', apiRequest('POST', '/transfers', body(ALICES)))).statusCode).toBe(403);
  });

  it('records who opened an account as its owner; anyone may open one', async () => {
    // When bob opens an account; Then its event names him
    const { send, appended } = setup();
    const response = await send(
      'bob',
      apiRequest('POST', '/accounts', { customerId: randomUUID(), currency: 'EUR' }),
    );
    expect(response.statusCode).toBe(202);
    expect(appended[0]?.payload).toMatchObject({ ownerPrincipal: BOB });
  });

  it('never answers the owner', async () => {
    const { send } = setup();
    const response = await send('alice', apiRequest('GET', `/accounts/${ALICES}`));
    expect(response.json).not.toHaveProperty('owner');
    expect(response.body).not.toContain(ALICE);
  });

  it('lets only operators read the dead-letter counts; anyone the OpenAPI document', async () => {
    const { send } = setup();
    expect((await send('alice', apiRequest('GET', '/dead-letters/counts'))).statusCode).toBe(403);
    expect((await send('operator', apiRequest('GET', '/dead-letters/counts'))).statusCode).toBe(200);
    expect((await send('bob', apiRequest('GET', '/openapi.json'))).statusCode).toBe(200);
  });

  it('leaves an account without a recorded owner to operators', async () => {
    const { send, accounts } = setup();
    accounts.set(MISSING, anAccount(MISSING, { owner: null }));
    expect((await send('alice', apiRequest('GET', `/accounts/${MISSING}`))).statusCode).toBe(403);
    expect((await send('operator', apiRequest('GET', `/accounts/${MISSING}`))).statusCode).toBe(200);
  });

  it('keeps Idempotency-Keys per principal: the same key from two principals is two requests', async () => {
    // Given one key; When alice and bob each open an account with it
    const { send, appended } = setup();
    const open = () =>
      apiRequest(
        'POST',
        '/accounts',
        { customerId: BOBS, currency: 'EUR' },
        { 'idempotency-key': 'same-key' },
      );
    const first = await send('alice', open());
    const second = await send('bob', open());
    const again = await send('bob', open());
    // Then two events, two accounts, each owned by its caller; bob's retry replays his own
    expect(appended).toHaveLength(2);
    expect(first.json.accountId).not.toBe(second.json.accountId);
    expect(appended.map((event) => (event.payload as { ownerPrincipal?: string }).ownerPrincipal)).toEqual([
      ALICE,
      BOB,
    ]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json.accountId).toBe(second.json.accountId);
  });
});
