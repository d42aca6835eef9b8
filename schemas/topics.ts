import type * as z from 'zod';
import {
  AccountEventType,
  DeadLetterEventType,
  EVENT_CONTENT_TYPE,
  EventHeader,
  type EventType,
  SagaEventType,
  TopicName,
  TransactionEventType,
  TransactionOutcomeType,
} from './constants';
import { UnknownEventTypeError } from './errors';
import { AccountEventSchema } from './events/account';
import { DeadLetterEventSchema } from './events/dead-letter';
import { TransactionOutcomeSchema } from './events/outcome';
import { SagaEventSchema } from './events/saga';
import { TransactionEventSchema } from './events/transaction';
import type { BillingEvent, EventOfTopic } from './types';

/** The zod schema of each topic's event union. */
export const eventSchemaByTopic = {
  [TopicName.accountEvents]: AccountEventSchema,
  [TopicName.transactionEvents]: TransactionEventSchema,
  [TopicName.transactionOutcomes]: TransactionOutcomeSchema,
  [TopicName.sagaEvents]: SagaEventSchema,
  [TopicName.deadLetter]: DeadLetterEventSchema,
} as const satisfies { readonly [T in TopicName]: z.ZodType<EventOfTopic<T>> };

const eventTypesByTopic: { readonly [T in TopicName]: readonly EventOfTopic<T>['eventType'][] } = {
  [TopicName.accountEvents]: Object.values(AccountEventType),
  [TopicName.transactionEvents]: Object.values(TransactionEventType),
  [TopicName.transactionOutcomes]: Object.values(TransactionOutcomeType),
  [TopicName.sagaEvents]: Object.values(SagaEventType),
  [TopicName.deadLetter]: Object.values(DeadLetterEventType),
};

const topicByEventType: ReadonlyMap<string, TopicName> = new Map(
  (Object.keys(eventTypesByTopic) as TopicName[]).flatMap((topic) =>
    eventTypesByTopic[topic].map((eventType) => [eventType, topic] as const),
  ),
);

/** The topic an event type is published on; throws UnknownEventTypeError for any other string. */
export function topicOfEventType(eventType: EventType | string): TopicName {
  const topic = topicByEventType.get(eventType);
  if (topic === undefined) throw new UnknownEventTypeError(eventType);
  return topic;
}

/** The event types a topic carries. */
export const eventTypesOfTopic = <T extends TopicName>(topic: T): readonly EventOfTopic<T>['eventType'][] =>
  eventTypesByTopic[topic];

/**
 * The Kafka record key of an event (docs/design.md: Topics): the account id for account events, the
 * affected account for transaction events, the transfer id for saga events, and for a dead letter
 * the source record's key (UTF-8) or, for a keyless source, its `topic-partition-offset`.
 */
export function partitionKeyOf(event: BillingEvent): string {
  switch (event.eventType) {
    case AccountEventType.accountOpened:
    case AccountEventType.accountStatusChanged:
    case AccountEventType.accountBalanceChanged:
      return event.payload.accountId;
    case TransactionEventType.topupRequested:
    case TransactionEventType.withdrawalRequested:
    case TransactionEventType.refundRequested:
    case TransactionEventType.transferDebitRequested:
    case TransactionEventType.transferCreditRequested:
    case TransactionEventType.transferCompensationRequested:
    case TransactionOutcomeType.transactionApplied:
    case TransactionOutcomeType.transactionRejected:
      return event.payload.accountId;
    case SagaEventType.transferRequested:
    case SagaEventType.transferDebited:
    case SagaEventType.transferDebitRejected:
    case SagaEventType.transferCredited:
    case SagaEventType.transferCreditRejected:
    case SagaEventType.transferCompensated:
    case SagaEventType.transferCompleted:
    case SagaEventType.transferFailed:
      return event.payload.transferId;
    case DeadLetterEventType.deadLetterRecorded: {
      const { source } = event.payload;
      return source.key === null
        ? `${source.topic}-${source.partition}-${source.offset}`
        : Buffer.from(source.key, 'base64').toString('utf8');
    }
    default: {
      const unhandled: never = event;
      throw new UnknownEventTypeError((unhandled as { eventType: string }).eventType);
    }
  }
}

/** The Kafka headers that repeat an event's envelope (docs/design.md: Event contract). */
export const headersOf = (event: BillingEvent): Record<EventHeader, string> => ({
  [EventHeader.eventType]: event.eventType,
  [EventHeader.schemaVersion]: String(event.schemaVersion),
  [EventHeader.correlationId]: event.correlationId,
  [EventHeader.contentType]: EVENT_CONTENT_TYPE,
});
