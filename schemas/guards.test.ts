import {
  AccountEventType,
  DeadLetterEventType,
  SagaEventType,
  TopicName,
  TransactionEventType,
} from './constants';
import { isAccountEvent, isSagaEvent, isTransactionEvent } from './guards';
import { topicOfEventType } from './topics';
import type { BillingEvent } from './types';

describe('event family guards', () => {
  it('recognise exactly the event types of their topic', () => {
    const all = [
      ...Object.values(AccountEventType),
      ...Object.values(TransactionEventType),
      ...Object.values(SagaEventType),
      ...Object.values(DeadLetterEventType),
    ];
    for (const eventType of all) {
      const event = { eventType } as BillingEvent;
      const topic = topicOfEventType(eventType);
      expect([isAccountEvent(event), isTransactionEvent(event), isSagaEvent(event)]).toEqual([
        topic === TopicName.accountEvents,
        topic === TopicName.transactionEvents,
        topic === TopicName.sagaEvents,
      ]);
    }
  });
});
