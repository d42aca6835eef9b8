import * as z from 'zod';
import { RejectionReason, SagaEventType } from '../constants';
import { eventSchema, IdSchema } from '../envelope';
import { PositiveMoneySchema } from '../money';

// The transfer saga's steps on billing.saga.events, keyed and aggregated by transfer id.
// Happy path: Requested -> Debited -> Credited -> Completed. A rejected debit ends in Failed;
// a rejected credit is compensated (Compensated) and then Failed.

const RejectionReasonSchema = z.enum(
  Object.values(RejectionReason) as [RejectionReason, ...RejectionReason[]],
);

export const TransferRequestedSchema = eventSchema(
  SagaEventType.transferRequested,
  {
    transferId: IdSchema,
    fromAccountId: IdSchema,
    toAccountId: IdSchema,
    amount: PositiveMoneySchema,
    reference: z.string().min(1).max(140).optional(),
  },
  'transferId',
).refine((event) => event.payload.fromAccountId !== event.payload.toAccountId, {
  error: 'must differ from payload.fromAccountId',
  path: ['payload', 'toAccountId'],
});

export const TransferDebitedSchema = eventSchema(
  SagaEventType.transferDebited,
  { transferId: IdSchema, debitTransactionId: IdSchema, accountId: IdSchema, amount: PositiveMoneySchema },
  'transferId',
);

export const TransferDebitRejectedSchema = eventSchema(
  SagaEventType.transferDebitRejected,
  { transferId: IdSchema, debitTransactionId: IdSchema, accountId: IdSchema, reason: RejectionReasonSchema },
  'transferId',
);

export const TransferCreditedSchema = eventSchema(
  SagaEventType.transferCredited,
  { transferId: IdSchema, creditTransactionId: IdSchema, accountId: IdSchema, amount: PositiveMoneySchema },
  'transferId',
);

export const TransferCreditRejectedSchema = eventSchema(
  SagaEventType.transferCreditRejected,
  { transferId: IdSchema, creditTransactionId: IdSchema, accountId: IdSchema, reason: RejectionReasonSchema },
  'transferId',
);

export const TransferCompensatedSchema = eventSchema(
  SagaEventType.transferCompensated,
  {
    transferId: IdSchema,
    compensationTransactionId: IdSchema,
    accountId: IdSchema,
    amount: PositiveMoneySchema,
  },
  'transferId',
);

export const TransferCompletedSchema = eventSchema(
  SagaEventType.transferCompleted,
  { transferId: IdSchema, fromAccountId: IdSchema, toAccountId: IdSchema, amount: PositiveMoneySchema },
  'transferId',
);

export const TransferFailedSchema = eventSchema(
  SagaEventType.transferFailed,
  { transferId: IdSchema, reason: RejectionReasonSchema, compensated: z.boolean() },
  'transferId',
);

export const SagaEventSchema = z.discriminatedUnion('eventType', [
  TransferRequestedSchema,
  TransferDebitedSchema,
  TransferDebitRejectedSchema,
  TransferCreditedSchema,
  TransferCreditRejectedSchema,
  TransferCompensatedSchema,
  TransferCompletedSchema,
  TransferFailedSchema,
]);
