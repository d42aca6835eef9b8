import type { BillingEvent } from '../../../schemas';
import { Dependency } from '../constants';
import { DependencyUnavailableError } from '../errors';
import type {
  AccountRecord,
  BillingApiPorts,
  IdempotencyRecord,
  TransactionView,
  TransferView,
} from '../types';
import { TEST_PRINCIPAL } from './requests';

/** In-memory ports for unit tests: a read model to fill, an event log, switches for outages. */
export function inMemoryPorts() {
  const accounts = new Map<string, AccountRecord>();
  const transactions = new Map<string, TransactionView>();
  const transfers = new Map<string, TransferView>();
  const keys = new Map<string, IdempotencyRecord>();
  const appended: BillingEvent[] = [];
  const outage = { kafka: false, database: false, completeFails: false };
  const db = () => {
    if (outage.database) throw new DependencyUnavailableError(Dependency.database, 'database down');
  };
  const keyOf = (principal: string, key: string) => `${principal}\n${key}`;

  const ports: BillingApiPorts = {
    readModel: {
      accounts: async (ids) => {
        db();
        return new Map(
          ids.flatMap((id) => (accounts.has(id) ? [[id, accounts.get(id) as AccountRecord]] : [])),
        );
      },
      accountTransactions: async (accountId, page) => {
        db();
        const items = [...transactions.values()]
          .filter((transaction) => transaction.accountId === accountId)
          .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : -1))
          .slice(0, page.limit);
        return { items, nextCursor: null };
      },
      transaction: async (id) => {
        db();
        return transactions.get(id) ?? null;
      },
      transfer: async (id) => {
        db();
        return transfers.get(id) ?? null;
      },
      deadLetterCounts: async () => {
        db();
        return { received: 1, retrying: 0, resolved: 2, parked: 3, discarded: 0 };
      },
    },
    idempotency: {
      find: async (principal, key) => {
        db();
        return keys.get(keyOf(principal, key)) ?? null;
      },
      reserve: async (principal, key, entry) => {
        db();
        const existing = keys.get(keyOf(principal, key));
        if (existing) return { ...existing, reservedNow: false };
        const record = { requestHash: entry.requestHash, eventId: entry.eventId, answer: null };
        keys.set(keyOf(principal, key), record);
        return { ...record, reservedNow: true };
      },
      complete: async (principal, key, answer) => {
        db();
        if (outage.completeFails) throw new DependencyUnavailableError(Dependency.database, 'database down');
        const existing = keys.get(keyOf(principal, key));
        if (existing) keys.set(keyOf(principal, key), { ...existing, answer });
      },
    },
    events: {
      append: async (event) => {
        if (outage.kafka) throw new DependencyUnavailableError(Dependency.kafka, 'kafka down');
        appended.push(event);
        return { ok: true, events: [], writes: [] };
      },
    },
  };
  return { ports, accounts, transactions, transfers, keys, appended, outage };
}

/** An active EUR account of the read model, owned by the principal the test requests come from unless told. */
export const anAccount = (accountId: string, overrides: Partial<AccountRecord> = {}): AccountRecord => ({
  accountId,
  customerId: '3a0c1f0e-8f2d-4c7a-9a51-2b7e6d1c0f11',
  status: 'active',
  currency: 'EUR',
  balance: { minorUnits: '0', currency: 'EUR' },
  version: 1,
  openedAt: '2026-11-27T08:00:00.000Z',
  updatedAt: '2026-11-27T08:00:00.000Z',
  owner: TEST_PRINCIPAL,
  ...overrides,
});
