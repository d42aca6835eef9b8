import * as z from 'zod';
import { AccountEventType, AccountStatus, CURRENCIES } from '../constants';
import { eventSchema, IdSchema, TextSchema } from '../envelope';
import { MoneySchema, PositiveMoneySchema } from '../money';

// Events of billing.account.events, keyed and aggregated by account id.

const AccountStatusSchema = z.enum(Object.values(AccountStatus) as [AccountStatus, ...AccountStatus[]]);

export const AccountOpenedSchema = eventSchema(
  AccountEventType.accountOpened,
  {
    accountId: IdSchema,
    customerId: IdSchema,
    currency: z.enum(CURRENCIES),
  },
  'accountId',
);

export const AccountStatusChangedSchema = eventSchema(
  AccountEventType.accountStatusChanged,
  {
    accountId: IdSchema,
    from: AccountStatusSchema,
    to: AccountStatusSchema,
    reason: TextSchema(500),
  },
  'accountId',
);

/** Emitted by the ledger projector after it applied a movement; `transactionId` is the cause. */
export const AccountBalanceChangedSchema = eventSchema(
  AccountEventType.accountBalanceChanged,
  {
    accountId: IdSchema,
    transactionId: IdSchema,
    direction: z.enum(['credit', 'debit']),
    amount: PositiveMoneySchema,
    balance: MoneySchema,
  },
  'accountId',
);

export const AccountEventSchema = z.discriminatedUnion('eventType', [
  AccountOpenedSchema,
  AccountStatusChangedSchema,
  AccountBalanceChangedSchema,
]);
