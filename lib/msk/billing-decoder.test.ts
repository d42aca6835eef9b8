import { randomUUID } from 'node:crypto';
import { TopicName } from '../../schemas';
import { eventFactory } from '../projection/testing/events';
import { decodeBillingValue } from './billing-decoder';
import { DecodingFailureCode } from './constants';

// Given a record of a billing topic, when it is decoded, then whether its key may stand.

const events = eventFactory();
const input = (topic: string, event: unknown, key: string | null) => ({
  topic,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(JSON.stringify(event)),
  headers: {},
});

describe('decodeBillingValue: records keyed by their partition key', () => {
  it('reads an account event keyed by its account id', () => {
    // Prepare
    const accountId = randomUUID();

    // Act
    const decoded = decodeBillingValue(input(TopicName.accountEvents, events.opened(accountId), accountId));

    // Assess
    expect(decoded.ok).toBe(true);
  });

  it.each([
    ['an upper-case id', (id: string) => id.toUpperCase()],
    ['another id', () => randomUUID()],
    ['no key', () => null],
  ])('refuses an account event keyed by %s: it would be out of order with its stream', (_name, keyOf) => {
    // Prepare
    const accountId = randomUUID();

    // Act
    const decoded = decodeBillingValue(
      input(TopicName.accountEvents, events.opened(accountId), keyOf(accountId)),
    );

    // Assess
    expect(decoded).toMatchObject({
      ok: false,
      code: DecodingFailureCode.keyNotPartitionKey,
      message: expect.stringContaining(`partition key of AccountOpened ("${accountId}")`),
    });
  });

  it('reads a movement request whatever its key: its outcome is the fact, keyed by the account', () => {
    // Prepare
    const accountId = randomUUID();

    // Act
    const decoded = decodeBillingValue(
      input(TopicName.transactionEvents, events.topup(accountId, 5), accountId.toUpperCase()),
    );

    // Assess
    expect(decoded.ok).toBe(true);
  });
});
