import type * as z from 'zod';
import {
  AccountEventType,
  type BillingEvent,
  LATEST_SCHEMA_VERSION,
  SagaEventType,
  TransactionEventType,
} from '../../schemas';
import type {
  AcceptedResponse,
  ChangeAccountStatusBody,
  OpenAccountBody,
  RefundBody,
  TopUpBody,
  TransferBody,
  WithdrawBody,
} from './requests';
import type { AccountView } from './types';

/** A command of the API, validated: what to append. */
export type BillingCommand =
  /** `ownerPrincipal`: the caller, who owns the account it opens. */
  | { readonly name: 'openAccount'; readonly body: OpenAccountBody; readonly ownerPrincipal: string }
  | {
      readonly name: 'changeAccountStatus';
      readonly accountId: string;
      readonly body: ChangeAccountStatusBody;
    }
  | { readonly name: 'topUp'; readonly accountId: string; readonly body: TopUpBody }
  | { readonly name: 'withdraw'; readonly accountId: string; readonly body: WithdrawBody }
  | { readonly name: 'refund'; readonly accountId: string; readonly body: RefundBody }
  | { readonly name: 'requestTransfer'; readonly body: TransferBody };

/** The ids of the event a command appends; derived from the Idempotency-Key when there is one. */
export interface CommandIds {
  readonly eventId: string;
  /** The id of what the command creates: account, transaction or transfer. */
  readonly aggregateId: string;
  readonly correlationId: string;
}

export type Accepted = z.infer<typeof AcceptedResponse>;

/** The accounts a command names, which must exist in the read model before it is appended. */
export function accountsOfCommand(command: BillingCommand): string[] {
  switch (command.name) {
    case 'openAccount':
      return [];
    case 'changeAccountStatus':
    case 'topUp':
    case 'withdraw':
    case 'refund':
      return [command.accountId];
    case 'requestTransfer':
      // A transfer to the same account is refused by its schema, with the field named.
      return [...new Set([command.body.fromAccountId, command.body.toAccountId])];
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
    }
  }
}

const withoutUndefined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

/**
 * The event a command appends. Pure: ids and time come in. A status change records the status the
 * read model shows as `from` (informative: the ledger applies `to`).
 */
export function eventOfCommand(
  command: BillingCommand,
  ids: CommandIds,
  accounts: ReadonlyMap<string, AccountView>,
  now: Date,
): BillingEvent {
  const envelope = {
    eventId: ids.eventId,
    schemaVersion: LATEST_SCHEMA_VERSION,
    occurredAt: now.toISOString(),
    correlationId: ids.correlationId,
    // The first event of its chain is its own cause.
    causationId: ids.eventId,
  };
  switch (command.name) {
    case 'openAccount':
      return {
        ...envelope,
        eventType: AccountEventType.accountOpened,
        aggregateId: ids.aggregateId,
        payload: { accountId: ids.aggregateId, ...command.body, ownerPrincipal: command.ownerPrincipal },
      };
    case 'changeAccountStatus': {
      const current = accounts.get(command.accountId);
      if (!current) throw new Error(`account ${command.accountId} was not loaded`);
      return {
        ...envelope,
        eventType: AccountEventType.accountStatusChanged,
        aggregateId: command.accountId,
        payload: {
          accountId: command.accountId,
          from: current.status,
          to: command.body.status,
          reason: command.body.reason,
        },
      };
    }
    case 'topUp':
      return {
        ...envelope,
        eventType: TransactionEventType.topupRequested,
        aggregateId: ids.aggregateId,
        payload: withoutUndefined({
          transactionId: ids.aggregateId,
          accountId: command.accountId,
          amount: command.body.amount,
          reference: command.body.reference,
        }),
      };
    case 'withdraw':
      return {
        ...envelope,
        eventType: TransactionEventType.withdrawalRequested,
        aggregateId: ids.aggregateId,
        payload: withoutUndefined({
          transactionId: ids.aggregateId,
          accountId: command.accountId,
          amount: command.body.amount,
          reference: command.body.reference,
        }),
      };
    case 'refund':
      return {
        ...envelope,
        eventType: TransactionEventType.refundRequested,
        aggregateId: ids.aggregateId,
        payload: withoutUndefined({
          transactionId: ids.aggregateId,
          accountId: command.accountId,
          amount: command.body.amount,
          originalTransactionId: command.body.originalTransactionId,
          reason: command.body.reason,
        }),
      };
    case 'requestTransfer':
      return {
        ...envelope,
        eventType: SagaEventType.transferRequested,
        aggregateId: ids.aggregateId,
        payload: withoutUndefined({
          transferId: ids.aggregateId,
          fromAccountId: command.body.fromAccountId,
          toAccountId: command.body.toAccountId,
          amount: command.body.amount,
          reference: command.body.reference,
        }),
      };
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
    }
  }
}

/** The 202 body of an appended command: its ids and where to follow it. */
export function acceptedOf(command: BillingCommand, event: BillingEvent): Accepted {
  const base = {
    status: 'accepted' as const,
    eventId: event.eventId,
    eventType: event.eventType,
    correlationId: event.correlationId,
  };
  switch (command.name) {
    case 'openAccount':
      return { ...base, accountId: event.aggregateId, location: `/accounts/${event.aggregateId}` };
    case 'changeAccountStatus':
      return { ...base, accountId: command.accountId, location: `/accounts/${command.accountId}` };
    case 'topUp':
    case 'withdraw':
    case 'refund':
      return {
        ...base,
        accountId: command.accountId,
        transactionId: event.aggregateId,
        location: `/transactions/${event.aggregateId}`,
      };
    case 'requestTransfer':
      return { ...base, transferId: event.aggregateId, location: `/transfers/${event.aggregateId}` };
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
    }
  }
}
