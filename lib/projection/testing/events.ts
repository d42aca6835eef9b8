import { randomUUID } from 'node:crypto';
import {
  type AccountEvent,
  AccountEventType,
  type AccountStatus,
  type Currency,
  LATEST_SCHEMA_VERSION,
  type TransactionEvent,
  TransactionEventType,
} from '../../../schemas';

/** Builders of billing events for projector tests and benchmarks; times advance one second per event. */

let clock = Date.UTC(2025, 10, 27, 9, 0, 0);
const nextTime = () => {
  clock += 1_000;
  return new Date(clock).toISOString();
};

const envelope = (aggregateId: string, correlationId: string) => {
  const eventId = randomUUID();
  return {
    eventId,
    schemaVersion: LATEST_SCHEMA_VERSION,
    aggregateId,
    occurredAt: nextTime(),
    correlationId,
    causationId: eventId,
  };
};

const money = (minorUnits: bigint | number, currency: Currency) => ({
  minorUnits: String(minorUnits),
  currency,
});

export function eventFactory(correlationId: string = randomUUID()) {
  /** What a transfer's debit and credit requests share: a new transaction id and the leg's payload. */
  const transferLeg = (
    accountId: string,
    amount: bigint | number,
    transferId: string,
    counterpartyAccountId: string,
  ) => {
    const transactionId = randomUUID();
    return {
      envelope: envelope(transactionId, correlationId),
      payload: { transactionId, accountId, amount: money(amount, 'EUR'), transferId, counterpartyAccountId },
    };
  };
  return {
    correlationId,
    opened(accountId: string, currency: Currency = 'EUR'): AccountEvent {
      return {
        ...envelope(accountId, correlationId),
        eventType: AccountEventType.accountOpened,
        payload: { accountId, customerId: randomUUID(), currency },
      };
    },
    statusChanged(accountId: string, from: AccountStatus, to: AccountStatus): AccountEvent {
      return {
        ...envelope(accountId, correlationId),
        eventType: AccountEventType.accountStatusChanged,
        payload: { accountId, from, to, reason: 'customer request' },
      };
    },
    topup(
      accountId: string,
      amount: bigint | number,
      currency: Currency = 'EUR',
      transactionId = randomUUID(),
    ): TransactionEvent {
      return {
        ...envelope(transactionId, correlationId),
        eventType: TransactionEventType.topupRequested,
        payload: { transactionId, accountId, amount: money(amount, currency), reference: 'Card top-up' },
      };
    },
    withdrawal(accountId: string, amount: bigint | number, currency: Currency = 'EUR'): TransactionEvent {
      const transactionId = randomUUID();
      return {
        ...envelope(transactionId, correlationId),
        eventType: TransactionEventType.withdrawalRequested,
        payload: { transactionId, accountId, amount: money(amount, currency) },
      };
    },
    refund(
      accountId: string,
      amount: bigint | number,
      originalTransactionId: string,
      currency: Currency = 'EUR',
    ): TransactionEvent {
      const transactionId = randomUUID();
      return {
        ...envelope(transactionId, correlationId),
        eventType: TransactionEventType.refundRequested,
        payload: {
          transactionId,
          accountId,
          amount: money(amount, currency),
          originalTransactionId,
          reason: 'Duplicate charge',
        },
      };
    },
    transferDebit(
      accountId: string,
      amount: bigint | number,
      transferId: string,
      counterpartyAccountId: string,
    ): TransactionEvent {
      const leg = transferLeg(accountId, amount, transferId, counterpartyAccountId);
      return {
        ...leg.envelope,
        eventType: TransactionEventType.transferDebitRequested,
        payload: leg.payload,
      };
    },
    transferCredit(
      accountId: string,
      amount: bigint | number,
      transferId: string,
      counterpartyAccountId: string,
    ): TransactionEvent {
      const leg = transferLeg(accountId, amount, transferId, counterpartyAccountId);
      return {
        ...leg.envelope,
        eventType: TransactionEventType.transferCreditRequested,
        payload: leg.payload,
      };
    },
    compensation(
      accountId: string,
      amount: bigint | number,
      transferId: string,
      compensatesTransactionId: string,
    ): TransactionEvent {
      const transactionId = randomUUID();
      return {
        ...envelope(transactionId, correlationId),
        eventType: TransactionEventType.transferCompensationRequested,
        payload: {
          transactionId,
          accountId,
          amount: money(amount, 'EUR'),
          transferId,
          compensatesTransactionId,
          reason: 'credit leg rejected',
        },
      };
    },
  };
}
