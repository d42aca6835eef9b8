/**
 * The billing event contract: zod schemas of the envelope and of every event of every topic,
 * the types inferred from them, and the helpers producers and consumers share.
 */
export {
  AccountEventType,
  AccountStatus,
  CURRENCIES,
  CURRENCY_EXPONENTS,
  type Currency,
  DeadLetterEventType,
  EVENT_CONTENT_TYPE,
  EventHeader,
  type EventType,
  FailureClass,
  LATEST_SCHEMA_VERSION,
  MAX_MINOR_UNITS,
  RejectionReason,
  SagaEventType,
  TopicName,
  TransactionEventType,
  TransactionKind,
  TransactionOutcomeType,
} from './constants';
export { envelopeShape, IdSchema, UtcTimestampSchema } from './envelope';
export {
  type EventIssue,
  EventValidationError,
  MoneyError,
  SchemaError,
  UnknownEventTypeError,
} from './errors';
export {
  AccountBalanceChangedSchema,
  AccountEventSchema,
  AccountOpenedSchema,
  AccountStatusChangedSchema,
} from './events/account';
export { DeadLetterEventSchema, DeadLetterRecordedSchema } from './events/dead-letter';
export {
  TransactionAppliedSchema,
  TransactionOutcomeSchema,
  TransactionRejectedSchema,
} from './events/outcome';
export {
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
export {
  RefundRequestedSchema,
  TopupRequestedSchema,
  TransactionEventSchema,
  TransferCompensationRequestedSchema,
  TransferCreditRequestedSchema,
  TransferDebitRequestedSchema,
  WithdrawalRequestedSchema,
} from './events/transaction';
export { isAccountEvent, isSagaEvent, isTransactionEvent, isTransactionOutcome } from './guards';
export {
  CurrencySchema,
  currencyExponent,
  formatMajorUnits,
  isSupportedCurrency,
  type Money,
  MoneySchema,
  moneyOf,
  PositiveMoneySchema,
  toMinorUnits,
} from './money';
export { parseEvent, validateEvent } from './parse';
export { eventSchemaByTopic, eventTypesOfTopic, headersOf, partitionKeyOf, topicOfEventType } from './topics';
export type * from './types';
