import * as z from 'zod';
import { TransactionEventType } from '../constants';
import { eventSchema, IdSchema, TextSchema } from '../envelope';
import { PositiveMoneySchema } from '../money';

// Requests for money movements on billing.transaction.events. Keyed by the affected account
// (`payload.accountId`) so that all movements of one account are applied in order; the aggregate
// is the transaction itself.

const movement = {
  transactionId: IdSchema,
  accountId: IdSchema,
  amount: PositiveMoneySchema,
};

export const TopupRequestedSchema = eventSchema(
  TransactionEventType.topupRequested,
  { ...movement, reference: TextSchema(140).optional() },
  'transactionId',
);

export const WithdrawalRequestedSchema = eventSchema(
  TransactionEventType.withdrawalRequested,
  { ...movement, reference: TextSchema(140).optional() },
  'transactionId',
);

/**
 * Returns money of an earlier topup of this account to where it came from: debits the account,
 * at most what remains refundable of that topup.
 */
export const RefundRequestedSchema = eventSchema(
  TransactionEventType.refundRequested,
  { ...movement, originalTransactionId: IdSchema, reason: TextSchema(500).optional() },
  'transactionId',
);

/** The transfer saga's debit leg on the source account. */
export const TransferDebitRequestedSchema = eventSchema(
  TransactionEventType.transferDebitRequested,
  { ...movement, transferId: IdSchema, counterpartyAccountId: IdSchema },
  'transactionId',
);

/** The transfer saga's credit leg on the destination account. */
export const TransferCreditRequestedSchema = eventSchema(
  TransactionEventType.transferCreditRequested,
  { ...movement, transferId: IdSchema, counterpartyAccountId: IdSchema },
  'transactionId',
);

/** Credits a debited source account back after the credit leg was rejected. */
export const TransferCompensationRequestedSchema = eventSchema(
  TransactionEventType.transferCompensationRequested,
  { ...movement, transferId: IdSchema, compensatesTransactionId: IdSchema, reason: TextSchema(500) },
  'transactionId',
);

export const TransactionEventSchema = z.discriminatedUnion('eventType', [
  TopupRequestedSchema,
  WithdrawalRequestedSchema,
  RefundRequestedSchema,
  TransferDebitRequestedSchema,
  TransferCreditRequestedSchema,
  TransferCompensationRequestedSchema,
]);
