/**
 * Names and limits of the event contract (docs/design.md: Event contract). Enums are `as const`
 * objects with a union type of the same name.
 */

/** The billing topics (docs/design.md: Topics); their specifications are in lib/kafka/topic-specs.ts. */
export const TopicName = {
  accountEvents: 'billing.account.events',
  transactionEvents: 'billing.transaction.events',
  transactionOutcomes: 'billing.transaction.outcomes',
  sagaEvents: 'billing.saga.events',
  deadLetter: 'billing.dead-letter',
} as const;
export type TopicName = (typeof TopicName)[keyof typeof TopicName];

/** Kafka header names that repeat envelope fields, so a consumer can route without parsing. */
export const EventHeader = {
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  contentType: 'content-type',
} as const;
export type EventHeader = (typeof EventHeader)[keyof typeof EventHeader];

/** The `content-type` header value of every billing event. */
export const EVENT_CONTENT_TYPE = 'application/json';

/**
 * ISO 4217 currencies the engine handles, with their exponent (minor units per major unit is
 * 10^exponent). A closed list on purpose: an amount in a currency whose exponent the code does
 * not know cannot be booked or displayed correctly.
 */
export const CURRENCY_EXPONENTS = {
  AUD: 2,
  BHD: 3,
  CAD: 2,
  CHF: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HUF: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PLN: 2,
  SEK: 2,
  TND: 3,
  USD: 2,
} as const;
export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as [Currency, ...Currency[]];

/**
 * Largest amount or balance, in minor units: 10^15 (10 trillion EUR). Far above any real
 * account, yet 1000 such amounts still sum exactly in a PostgreSQL numeric(20) / bigint column
 * (max ~9.2 * 10^18), so a ledger sum cannot overflow.
 */
export const MAX_MINOR_UNITS = 1_000_000_000_000_000n;

export const AccountEventType = {
  accountOpened: 'AccountOpened',
  accountStatusChanged: 'AccountStatusChanged',
  accountBalanceChanged: 'AccountBalanceChanged',
} as const;
export type AccountEventType = (typeof AccountEventType)[keyof typeof AccountEventType];

export const TransactionEventType = {
  topupRequested: 'TopupRequested',
  withdrawalRequested: 'WithdrawalRequested',
  refundRequested: 'RefundRequested',
  transferDebitRequested: 'TransferDebitRequested',
  transferCreditRequested: 'TransferCreditRequested',
  transferCompensationRequested: 'TransferCompensationRequested',
} as const;
export type TransactionEventType = (typeof TransactionEventType)[keyof typeof TransactionEventType];

export const SagaEventType = {
  transferRequested: 'TransferRequested',
  transferDebited: 'TransferDebited',
  transferDebitRejected: 'TransferDebitRejected',
  transferCredited: 'TransferCredited',
  transferCreditRejected: 'TransferCreditRejected',
  transferCompensated: 'TransferCompensated',
  transferCompleted: 'TransferCompleted',
  transferFailed: 'TransferFailed',
} as const;
export type SagaEventType = (typeof SagaEventType)[keyof typeof SagaEventType];

/** Outcomes of movement requests (billing.transaction.outcomes): the facts a rebuild applies. */
export const TransactionOutcomeType = {
  transactionApplied: 'TransactionApplied',
  transactionRejected: 'TransactionRejected',
} as const;
export type TransactionOutcomeType = (typeof TransactionOutcomeType)[keyof typeof TransactionOutcomeType];

/** What a movement request asks for (the ledger's MovementKind; the transactions table's `kind`). */
export const TransactionKind = {
  topup: 'topup',
  withdrawal: 'withdrawal',
  refund: 'refund',
  transferDebit: 'transfer_debit',
  transferCredit: 'transfer_credit',
  transferCompensation: 'transfer_compensation',
} as const;
export type TransactionKind = (typeof TransactionKind)[keyof typeof TransactionKind];

export const DeadLetterEventType = {
  deadLetterRecorded: 'DeadLetterRecorded',
} as const;
export type DeadLetterEventType = (typeof DeadLetterEventType)[keyof typeof DeadLetterEventType];

export type EventType =
  | AccountEventType
  | TransactionEventType
  | TransactionOutcomeType
  | SagaEventType
  | DeadLetterEventType;

/**
 * The payload version this code writes and reads, per event type. A compatible change (a new
 * optional field) keeps the version; a bump marks a shape consumers on older schemas cannot read,
 * and the schemas' upper bound on `schemaVersion` makes the FORWARD guard flag it. The code must
 * still read every older version (replay), so the lower bound stays 1: raising it fails the
 * BACKWARD guard.
 */
export const LATEST_SCHEMA_VERSION = 1;

export const AccountStatus = {
  active: 'active',
  suspended: 'suspended',
  closed: 'closed',
} as const;
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

/** Why a requested money movement or saga step was refused (an outcome, not a failure). */
export const RejectionReason = {
  insufficientFunds: 'insufficient_funds',
  currencyMismatch: 'currency_mismatch',
  accountNotFound: 'account_not_found',
  accountSuspended: 'account_suspended',
  accountClosed: 'account_closed',
  refundExceedsOriginal: 'refund_exceeds_original',
  originalNotFound: 'original_not_found',
  balanceLimitExceeded: 'balance_limit_exceeded',
} as const;
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];

/** docs/design.md: Delivery semantics, failure classes. */
export const FailureClass = {
  permanent: 'permanent',
  deferred: 'deferred',
  transient: 'transient',
} as const;
export type FailureClass = (typeof FailureClass)[keyof typeof FailureClass];
