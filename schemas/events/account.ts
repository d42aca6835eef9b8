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
    /**
     * The principal that opened the account and owns it (docs/api.md: Authorization): an IAM ARN on
     * AWS, a local credential's name offline. Optional: accounts opened before it was recorded, and
     * accounts opened by other producers, have no owner (only operators act on them).
     */
    ownerPrincipal: TextSchema(2048).optional(),
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
