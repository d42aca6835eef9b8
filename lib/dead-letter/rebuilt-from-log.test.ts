import { randomUUID } from 'node:crypto';
import { type BillingEvent, partitionKeyOf, TopicName } from '../../schemas';
import { eventFactory } from '../projection/testing/events';
import { transferRequested } from '../saga/testing/saga-run';
import { rebuiltFromLogOf } from './rebuilt-from-log';

// Given a parked letter, when an operator asks to discard it, then whether a rebuild would apply it.

const events = eventFactory();
const letterOf = (topic: string, event: BillingEvent, key: string | null = partitionKeyOf(event)) => ({
  id: randomUUID(),
  source: {
    topic,
    key: key === null ? null : Buffer.from(key).toString('base64'),
    value: Buffer.from(JSON.stringify(event)).toString('base64'),
  },
});

describe('rebuiltFromLogOf', () => {
  it("refuses an account's opening or status change: a rebuild applies it from the log", () => {
    // Prepare
    const accountId = randomUUID();

    // Act
    const opened = rebuiltFromLogOf(letterOf(TopicName.accountEvents, events.opened(accountId)));
    const changed = rebuiltFromLogOf(
      letterOf(TopicName.accountEvents, events.statusChanged(accountId, 'active', 'suspended')),
    );

    // Assess
    expect(opened).toMatch(new RegExp(`AccountOpened of account ${accountId}.*rebuild.*replay`));
    expect(changed).toMatch(/AccountStatusChanged of account .*different from its log/);
  });

  it("refuses a transfer's request (the simulation found a discarded one started again by a rebuild)", () => {
    // Prepare
    const request = transferRequested(randomUUID(), randomUUID(), 500);

    // Act
    const refused = rebuiltFromLogOf(letterOf(TopicName.sagaEvents, request));

    // Assess
    expect(refused).toMatch(new RegExp(`request of transfer ${request.aggregateId}.*npm run dlq -- replay`));
  });

  it('lets a record a rebuild does not apply be discarded: a movement, a record keyed off its stream, a poison', () => {
    // Prepare
    const accountId = randomUUID();
    const poison = {
      id: randomUUID(),
      source: { topic: TopicName.accountEvents, key: null, value: 'bm90IGpzb24=' },
    };

    // Act
    const outcomes = [
      rebuiltFromLogOf(letterOf(TopicName.transactionEvents, events.topup(accountId, 5))),
      rebuiltFromLogOf(letterOf(TopicName.accountEvents, events.opened(accountId), accountId.toUpperCase())),
      rebuiltFromLogOf(poison),
    ];

    // Assess
    expect(outcomes).toEqual([undefined, undefined, undefined]);
  });
});
