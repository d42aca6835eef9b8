import type * as z from 'zod';
import type { TopicName } from './constants';
import type { EventValidationError } from './errors';
import type {
  AccountBalanceChangedSchema,
  AccountEventSchema,
  AccountOpenedSchema,
  AccountStatusChangedSchema,
} from './events/account';
import type { DeadLetterEventSchema, DeadLetterRecordedSchema } from './events/dead-letter';
import type {
  TransactionAppliedSchema,
  TransactionOutcomeSchema,
  TransactionRejectedSchema,
} from './events/outcome';
import type {
  SagaEventSchema,
  TransferCompensatedSchema,
  TransferCompletedSchema,
  TransferCreditedSchema,
  TransferCreditRejectedSchema,
  TransferDebitedSchema,
  TransferDebitRejectedSchema,
  TransferFailedSchema,
  TransferRequestedSchema,
} from './events/saga';
import type {
  RefundRequestedSchema,
  TopupRequestedSchema,
  TransactionEventSchema,
  TransferCompensationRequestedSchema,
  TransferCreditRequestedSchema,
  TransferDebitRequestedSchema,
  WithdrawalRequestedSchema,
} from './events/transaction';

// Every type is inferred from its schema, so the two cannot drift apart.

export type AccountOpened = z.infer<typeof AccountOpenedSchema>;
export type AccountStatusChanged = z.infer<typeof AccountStatusChangedSchema>;
export type AccountBalanceChanged = z.infer<typeof AccountBalanceChangedSchema>;
export type AccountEvent = z.infer<typeof AccountEventSchema>;

export type TopupRequested = z.infer<typeof TopupRequestedSchema>;
export type WithdrawalRequested = z.infer<typeof WithdrawalRequestedSchema>;
export type RefundRequested = z.infer<typeof RefundRequestedSchema>;
export type TransferDebitRequested = z.infer<typeof TransferDebitRequestedSchema>;
export type TransferCreditRequested = z.infer<typeof TransferCreditRequestedSchema>;
export type TransferCompensationRequested = z.infer<typeof TransferCompensationRequestedSchema>;
export type TransactionEvent = z.infer<typeof TransactionEventSchema>;

export type TransferRequested = z.infer<typeof TransferRequestedSchema>;
export type TransferDebited = z.infer<typeof TransferDebitedSchema>;
export type TransferDebitRejected = z.infer<typeof TransferDebitRejectedSchema>;
export type TransferCredited = z.infer<typeof TransferCreditedSchema>;
export type TransferCreditRejected = z.infer<typeof TransferCreditRejectedSchema>;
export type TransferCompensated = z.infer<typeof TransferCompensatedSchema>;
export type TransferCompleted = z.infer<typeof TransferCompletedSchema>;
export type TransferFailed = z.infer<typeof TransferFailedSchema>;
export type SagaEvent = z.infer<typeof SagaEventSchema>;

export type TransactionApplied = z.infer<typeof TransactionAppliedSchema>;
export type TransactionRejected = z.infer<typeof TransactionRejectedSchema>;
export type TransactionOutcome = z.infer<typeof TransactionOutcomeSchema>;

export type DeadLetterRecorded = z.infer<typeof DeadLetterRecordedSchema>;
export type DeadLetterEvent = z.infer<typeof DeadLetterEventSchema>;

/** Every event of every billing topic. */
export type BillingEvent = AccountEvent | TransactionEvent | TransactionOutcome | SagaEvent | DeadLetterEvent;

/** The event union of one topic. */
export interface EventByTopic {
  'billing.account.events': AccountEvent;
  'billing.transaction.events': TransactionEvent;
  'billing.transaction.outcomes': TransactionOutcome;
  'billing.saga.events': SagaEvent;
  'billing.dead-letter': DeadLetterEvent;
}
export type EventOfTopic<T extends TopicName> = EventByTopic[T];

/** The outcome of parsing one record value: a typed event or the reasons it was refused. */
export type ParseEventResult<E> = { ok: true; event: E } | { ok: false; error: EventValidationError };
