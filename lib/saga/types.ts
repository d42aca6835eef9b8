import type { Currency, RejectionReason, SagaEvent, TransactionEvent } from '../../schemas';
import type { TransferStatus } from './constants';

/** One transfer's saga state, as stored in the `transfers` table. */
export interface TransferState {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: bigint;
  readonly currency: Currency;
  readonly status: TransferStatus;
  /** The event type of the last saga event that advanced the transfer. */
  readonly step: SagaEvent['eventType'];
  /** Why the transfer failed (or is being compensated); null otherwise. */
  readonly reason: RejectionReason | null;
  readonly compensated: boolean;
  readonly correlationId: string;
  readonly requestedAt: string;
  readonly updatedAt: string;
  /** When the transfer completed or failed. */
  readonly finishedAt: string | null;
}

/** What the decider knows besides the state: the currencies of accounts already in the read model. */
export interface SagaContext {
  readonly accountCurrencies: ReadonlyMap<string, Currency>;
}

/** The events a saga step emits: legs on billing.transaction.events, outcomes on billing.saga.events. */
export type SagaCommand =
  | Extract<
      TransactionEvent,
      {
        eventType: 'TransferDebitRequested' | 'TransferCreditRequested' | 'TransferCompensationRequested';
      }
    >
  | Extract<SagaEvent, { eventType: 'TransferCompleted' | 'TransferFailed' }>;

/** The decision on one saga event. */
export type SagaDecision =
  | { readonly outcome: 'advanced'; readonly state: TransferState; readonly emit: readonly SagaCommand[] }
  /** A duplicate or stale step (the transfer is past it), or the saga's own outcome coming back. */
  | { readonly outcome: 'ignored'; readonly reason: string }
  /** A step of a transfer whose request this consumer has not seen: cannot be applied (yet). */
  | { readonly outcome: 'orphan'; readonly message: string };
