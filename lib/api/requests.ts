import * as z from 'zod';
import {
  AccountOpenedSchema,
  AccountStatus,
  AccountStatusChangedSchema,
  CURRENCIES,
  IdSchema,
  MoneySchema,
  RefundRequestedSchema,
  RejectionReason,
  TopupRequestedSchema,
  TransferRequestedSchema,
  UtcTimestampSchema,
  WithdrawalRequestedSchema,
} from '../../schemas';
import { DeadLetterStatus } from '../dead-letter/constants';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './constants';

/*
 * Request and response bodies. Command bodies are made of the event schemas' own payload fields,
 * so the API accepts exactly what the event contract does (the whole event is validated again
 * before it is appended); ids the engine assigns are not in them.
 */

const opened = AccountOpenedSchema.shape.payload.shape;
const statusChanged = AccountStatusChangedSchema.shape.payload.shape;
const topup = TopupRequestedSchema.shape.payload.shape;
const withdrawal = WithdrawalRequestedSchema.shape.payload.shape;
const refund = RefundRequestedSchema.shape.payload.shape;
const transfer = TransferRequestedSchema.shape.payload.shape;

export const OpenAccountBody = z
  .strictObject({ customerId: opened.customerId, currency: opened.currency })
  .meta({ description: 'Opens an account in one currency for a customer' });

export const ChangeAccountStatusBody = z
  .strictObject({ status: statusChanged.to, reason: statusChanged.reason })
  .meta({ description: 'Suspends, reactivates or closes an account' });

export const TopUpBody = z
  .strictObject({ amount: topup.amount, reference: topup.reference })
  .meta({ description: 'Credits the account with money from outside' });

export const WithdrawBody = z
  .strictObject({ amount: withdrawal.amount, reference: withdrawal.reference })
  .meta({ description: 'Debits the account, money leaves the engine' });

export const RefundBody = z
  .strictObject({
    amount: refund.amount,
    originalTransactionId: refund.originalTransactionId,
    reason: refund.reason,
  })
  .meta({
    description: 'Returns money of an earlier topup of this account to where it came from',
  });

export const TransferBody = z
  .strictObject({
    fromAccountId: transfer.fromAccountId,
    toAccountId: transfer.toAccountId,
    amount: transfer.amount,
    reference: transfer.reference,
  })
  .meta({ description: 'Moves money between two accounts of one currency' });

export type OpenAccountBody = z.infer<typeof OpenAccountBody>;
export type ChangeAccountStatusBody = z.infer<typeof ChangeAccountStatusBody>;
export type TopUpBody = z.infer<typeof TopUpBody>;
export type WithdrawBody = z.infer<typeof WithdrawBody>;
export type RefundBody = z.infer<typeof RefundBody>;
export type TransferBody = z.infer<typeof TransferBody>;

/** Path parameters, by name. */
export const PathParameter = {
  accountId: IdSchema,
  transactionId: IdSchema,
  transferId: IdSchema,
} as const;
export type PathParameterName = keyof typeof PathParameter;

/** Query of an account's transactions. */
export const TransactionPageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_PAGE_SIZE))
    .optional()
    .meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` }),
  cursor: z.string().min(1).max(200).optional().meta({ description: "The previous page's nextCursor" }),
});

const RejectionReasonSchema = z.enum(
  Object.values(RejectionReason) as [RejectionReason, ...RejectionReason[]],
);
const AccountStatusSchema = z.enum(Object.values(AccountStatus) as [AccountStatus, ...AccountStatus[]]);

/** 202: a command was appended; follow it with the ids and the Location. */
export const AcceptedResponse = z.object({
  status: z.literal('accepted'),
  eventId: IdSchema,
  eventType: z.string(),
  correlationId: IdSchema,
  accountId: IdSchema.optional(),
  transactionId: IdSchema.optional(),
  transferId: IdSchema.optional(),
  location: z.string().meta({ description: 'Where to read the outcome once it is projected' }),
});

export const AccountResponse = z.object({
  accountId: IdSchema,
  customerId: IdSchema,
  status: AccountStatusSchema,
  currency: z.enum(CURRENCIES),
  balance: MoneySchema,
  version: z.int(),
  openedAt: UtcTimestampSchema,
  updatedAt: UtcTimestampSchema,
});

export const TransactionResponse = z.object({
  transactionId: IdSchema,
  accountId: IdSchema,
  kind: z.enum([
    'topup',
    'withdrawal',
    'refund',
    'transfer_debit',
    'transfer_credit',
    'transfer_compensation',
  ]),
  amount: MoneySchema,
  status: z.enum(['applied', 'rejected']),
  rejectionReason: RejectionReasonSchema.nullable(),
  balanceAfter: MoneySchema.nullable(),
  originalTransactionId: IdSchema.nullable(),
  transferId: IdSchema.nullable(),
  reversed: MoneySchema,
  occurredAt: UtcTimestampSchema,
});

export const TransactionPageResponse = z.object({
  items: z.array(TransactionResponse),
  nextCursor: z.string().nullable(),
});

export const TransferResponse = z.object({
  transferId: IdSchema,
  fromAccountId: IdSchema,
  toAccountId: IdSchema,
  amount: MoneySchema,
  status: z.enum(['requested', 'debiting', 'crediting', 'compensating', 'completed', 'failed']),
  step: z.string(),
  reason: RejectionReasonSchema.nullable(),
  compensated: z.boolean(),
  requestedAt: UtcTimestampSchema,
  updatedAt: UtcTimestampSchema,
  finishedAt: UtcTimestampSchema.nullable(),
});

export const DeadLetterCountsResponse = z.object({
  counts: z.object(
    Object.fromEntries(Object.values(DeadLetterStatus).map((status) => [status, z.int().min(0)])) as Record<
      DeadLetterStatus,
      z.ZodInt
    >,
  ),
  total: z.int().min(0),
});

export const ProblemResponse = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          in: z.enum(['body', 'path', 'query', 'header']),
          field: z.string(),
          pointer: z.string(),
          detail: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ description: 'RFC 9457 problem details; `errors` names each field at fault' });
