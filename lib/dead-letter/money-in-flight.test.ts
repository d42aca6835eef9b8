import { randomUUID } from 'node:crypto';
import { type BillingEvent, partitionKeyOf, TopicName } from '../../schemas';
import { eventFactory } from '../projection/testing/events';
import { moneyInFlightOf } from './money-in-flight';

const events = eventFactory();
const letterOf = (topic: string, event: unknown) => ({
  id: randomUUID(),
  source: {
    topic,
    // Keyed as KafkaEventStore keys it (the saga's steps must be, to decode)
    key: Buffer.from(partitionKeyOf(event as BillingEvent)).toString('base64'),
    value: Buffer.from(JSON.stringify(event)).toString('base64'),
  },
});

describe('moneyInFlightOf', () => {
  it('names the money a transfer credit or compensation letter holds in flight', () => {
    const transferId = randomUUID();
    const credit = letterOf(
      TopicName.transactionEvents,
      events.transferCredit(randomUUID(), 300, transferId, randomUUID()),
    );
    const compensation = letterOf(
      TopicName.transactionEvents,
      events.compensation(randomUUID(), 300, transferId, randomUUID()),
    );
    expect(moneyInFlightOf(credit)).toMatch(new RegExp(`credit leg of transfer ${transferId}.*replay`));
    expect(moneyInFlightOf(compensation)).toMatch(/compensation of transfer .*transfers-in-flight/);
  });

  it('names the transfer a debit leg letter would leave unfinished', () => {
    const transferId = randomUUID();
    const debit = letterOf(
      TopicName.transactionEvents,
      events.transferDebit(randomUUID(), 300, transferId, randomUUID()),
    );
    expect(moneyInFlightOf(debit)).toMatch(
      new RegExp(`debit leg of transfer ${transferId}.*debiting.*replay`),
    );
  });

  it('lets any other letter be discarded, undecodable ones included', () => {
    expect(
      moneyInFlightOf(letterOf(TopicName.transactionEvents, events.topup(randomUUID(), 5))),
    ).toBeUndefined();
    expect(
      moneyInFlightOf({ id: randomUUID(), source: { topic: TopicName.transactionEvents, value: null } }),
    ).toBeUndefined();
    expect(
      moneyInFlightOf({
        id: randomUUID(),
        source: { topic: TopicName.transactionEvents, value: Buffer.from([0, 1, 2]).toString('base64') },
      }),
    ).toBeUndefined();
  });
});
