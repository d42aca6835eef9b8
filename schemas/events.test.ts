import {
  type BillingEvent,
  EventHeader,
  EventValidationError,
  eventSchemaByTopic,
  formatMajorUnits,
  headersOf,
  MAX_MINOR_UNITS,
  MoneyError,
  moneyOf,
  parseEvent,
  partitionKeyOf,
  TopicName,
  toMinorUnits,
  topicOfEventType,
  UnknownEventTypeError,
  validateEvent,
} from './index';

const ids = {
  event: '0b7e4a52-3c1d-4f8e-9a6b-2d5c8e1f0a34',
  account: '5f2c9d1e-7a3b-4c8d-9e0f-1a2b3c4d5e6f',
  other: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  transaction: 'c3d4e5f6-a7b8-4c9d-8e0f-a1b2c3d4e5f6',
  transfer: 'e1f2a3b4-c5d6-4e7f-8a9b-c0d1e2f3a4b5',
  customer: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
};

const envelope = (eventType: string, aggregateId: string) => ({
  eventId: ids.event,
  eventType,
  schemaVersion: 1,
  aggregateId,
  occurredAt: '2025-11-27T05:33:00.000Z',
  correlationId: ids.event,
  causationId: ids.event,
});

// Real-shaped record values, cloned per test so no test sees another's edits.
const fixtures = {
  accountOpened: {
    ...envelope('AccountOpened', ids.account),
    payload: { accountId: ids.account, customerId: ids.customer, currency: 'EUR' },
  },
  topupRequested: {
    ...envelope('TopupRequested', ids.transaction),
    payload: {
      transactionId: ids.transaction,
      accountId: ids.account,
      amount: { minorUnits: '12345', currency: 'EUR' },
    },
  },
  transferRequested: {
    ...envelope('TransferRequested', ids.transfer),
    payload: {
      transferId: ids.transfer,
      fromAccountId: ids.account,
      toAccountId: ids.other,
      amount: { minorUnits: '500', currency: 'JPY' },
    },
  },
  deadLetter: {
    ...envelope('DeadLetterRecorded', ids.other),
    payload: {
      deadLetterId: ids.other,
      source: {
        topic: 'billing.transaction.events',
        partition: 3,
        offset: '42',
        key: Buffer.from(ids.account).toString('base64'),
        value: Buffer.from('{not json').toString('base64'),
        headers: [{ key: 'event-type', value: Buffer.from('TopupRequested').toString('base64') }],
        timestamp: '2025-11-27T05:33:00.000Z',
      },
      failure: {
        class: 'permanent',
        code: 'NOT_JSON',
        message: 'Unexpected token n',
        handler: 'ledger',
        attempt: 1,
      },
    },
  },
};
type FixtureName = keyof typeof fixtures;
const fixture = (name: FixtureName) =>
  structuredClone(fixtures[name]) as typeof fixtures.topupRequested & Record<string, unknown>;

const issuesOf = (topic: TopicName, value: unknown): string[] => {
  const result = parseEvent(topic, value);
  if (result.ok) throw new Error('expected the event to be refused');
  return result.error.issues.map((issue) => `${issue.path}: ${issue.message}`);
};

describe('parseEvent', () => {
  it.each([
    [TopicName.accountEvents, 'accountOpened'],
    [TopicName.transactionEvents, 'topupRequested'],
    [TopicName.sagaEvents, 'transferRequested'],
    [TopicName.deadLetter, 'deadLetter'],
  ] as const)('accepts a valid %s event (%s)', (topic, name) => {
    // Prepare
    const value = Buffer.from(JSON.stringify(fixture(name)));

    // Act
    const result = parseEvent(topic, value);

    // Assess
    expect(result).toEqual({ ok: true, event: fixtures[name] });
  });

  it.each([
    ['a float', '12.5', 'must be a whole number of minor units'],
    ['an exponent', '1e5', 'must be a whole number of minor units'],
    ['a negative amount', '-100', 'must be a whole number of minor units'],
    ['a leading plus', '+100', 'must be a whole number of minor units'],
    ['a leading zero', '0100', 'must be a whole number of minor units'],
    ['zero for a movement', '0', 'must be greater than zero'],
    ['an amount past 10^15', '1000000000000001', `must not exceed ${MAX_MINOR_UNITS} minor units`],
  ])('rejects %s with the field path', (_case, minorUnits, message) => {
    // Prepare
    const event = fixture('topupRequested');
    event.payload.amount.minorUnits = minorUnits;

    // Act
    const issues = issuesOf(TopicName.transactionEvents, event);

    // Assess
    expect(issues).toEqual([expect.stringContaining(`payload.amount.minorUnits: ${message}`)]);
  });

  it('rejects an amount sent as a JSON number', () => {
    // Prepare
    const event = fixture('topupRequested') as Record<string, unknown>;
    event.payload = { ...fixtures.topupRequested.payload, amount: { minorUnits: 12.5, currency: 'EUR' } };

    // Act
    const issues = issuesOf(TopicName.transactionEvents, event);

    // Assess
    expect(issues).toEqual([expect.stringMatching(/^payload\.amount\.minorUnits: must be a whole number/)]);
  });

  it('accepts the upper bound itself', () => {
    // Prepare
    const event = fixture('topupRequested');
    event.payload.amount.minorUnits = MAX_MINOR_UNITS.toString();

    // Act
    const result = parseEvent(TopicName.transactionEvents, event);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('rejects an unknown currency and a non-UUID id, naming both fields', () => {
    // Prepare
    const event = fixture('topupRequested');
    event.payload.amount.currency = 'XYZ';
    event.payload.accountId = 'account-1';

    // Act
    const result = parseEvent(TopicName.transactionEvents, event);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(EventValidationError);
    expect(result.error.issues.map((issue) => issue.path)).toEqual([
      'payload.accountId',
      'payload.amount.currency',
    ]);
    expect(result.error.message).toContain('payload.amount.currency: unsupported currency "XYZ"');
    expect(result.error.message).toContain('payload.accountId: must be a UUID');
    expect(result.error.cause).toBeDefined();
  });

  it('rejects a timestamp that is not UTC', () => {
    // Prepare
    const event = fixture('accountOpened');
    event.occurredAt = '2025-11-27T06:33:00+01:00';

    // Act
    const issues = issuesOf(TopicName.accountEvents, event);

    // Assess
    expect(issues).toEqual(['occurredAt: must be an ISO-8601 UTC timestamp ending in Z']);
  });

  it('rejects a schema version this code does not know', () => {
    // Prepare
    const event = fixture('accountOpened');
    event.schemaVersion = 2;

    // Act
    const issues = issuesOf(TopicName.accountEvents, event);

    // Assess
    expect(issues).toEqual([expect.stringMatching(/^schemaVersion: /)]);
  });

  it('lower-cases every id, so an event in upper case is the same event', () => {
    // Prepare
    const upper = JSON.parse(
      JSON.stringify(fixture('topupRequested')).replace(/[0-9a-f-]{36}/g, (id) => id.toUpperCase()),
    );

    // Act
    const result = parseEvent(TopicName.transactionEvents, Buffer.from(JSON.stringify(upper)));

    // Assess
    expect(result).toEqual({ ok: true, event: fixtures.topupRequested });
  });

  it('rejects an aggregateId that does not match the payload', () => {
    // Prepare
    const event = fixture('accountOpened');
    event.aggregateId = ids.other;

    // Act
    const issues = issuesOf(TopicName.accountEvents, event);

    // Assess
    expect(issues).toEqual(['aggregateId: must equal payload.accountId']);
  });

  it('rejects a transfer to the same account', () => {
    // Prepare
    const event = fixture('transferRequested') as unknown as typeof fixtures.transferRequested;
    event.payload.toAccountId = event.payload.fromAccountId;

    // Act
    const issues = issuesOf(TopicName.sagaEvents, event);

    // Assess
    expect(issues).toEqual(['payload.toAccountId: must differ from payload.fromAccountId']);
  });

  it('rejects an event type of another topic', () => {
    // Prepare
    const value = JSON.stringify(fixture('accountOpened'));

    // Act
    const issues = issuesOf(TopicName.transactionEvents, value);

    // Assess
    expect(issues).toEqual([expect.stringMatching(/^eventType: /)]);
  });

  it('rejects a value that is not JSON with code not_json', () => {
    // Prepare
    const value = Buffer.from('{not json');

    // Act
    const result = parseEvent(TopicName.accountEvents, value);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues).toEqual([
      { path: '', code: 'not_json', message: expect.stringContaining('not UTF-8 JSON') },
    ]);
  });

  it('validateEvent throws the same error parseEvent returns', () => {
    // Prepare
    const event = { ...fixture('accountOpened'), eventId: 'nope' };

    // Act
    const act = () => validateEvent(TopicName.accountEvents, event);

    // Assess
    expect(act).toThrow(EventValidationError);
    expect(act).toThrow('eventId: must be a UUID');
  });

  it('says a missing id or timestamp is required, not that it is malformed', () => {
    // Prepare
    const { eventId: _id, occurredAt: _at, ...event } = fixture('accountOpened');

    // Act
    const issues = issuesOf(TopicName.accountEvents, event);

    // Assess
    expect(issues).toEqual(expect.arrayContaining(['eventId: is required', 'occurredAt: is required']));
  });
});

describe('topics', () => {
  it('maps every event type of every topic schema back to its topic', () => {
    // Prepare
    const pairs = (Object.keys(eventSchemaByTopic) as TopicName[]).flatMap((topic) =>
      eventSchemaByTopic[topic].options.map((option) => [option.shape.eventType.value, topic] as const),
    );

    // Act
    const mapped = pairs.map(([eventType]) => [eventType, topicOfEventType(eventType)]);

    // Assess
    expect(pairs).toHaveLength(20);
    expect(mapped).toEqual(pairs);
  });

  it('throws UnknownEventTypeError for an unknown event type', () => {
    // Act
    const act = () => topicOfEventType('AccountDeleted');

    // Assess
    expect(act).toThrow(UnknownEventTypeError);
  });

  it.each([
    ['accountOpened', ids.account],
    ['topupRequested', ids.account],
    ['transferRequested', ids.transfer],
    ['deadLetter', ids.account],
  ] as const)('keys %s by its partition key', (name, key) => {
    // Prepare
    const event = fixture(name) as unknown as BillingEvent;

    // Act
    const partitionKey = partitionKeyOf(event);

    // Assess
    expect(partitionKey).toBe(key);
  });

  it('keys a dead letter of a keyless record by its coordinates', () => {
    // Prepare
    const event = structuredClone(fixtures.deadLetter) as unknown as BillingEvent &
      typeof fixtures.deadLetter;
    (event.payload.source as { key: string | null }).key = null;

    // Act
    const partitionKey = partitionKeyOf(event);

    // Assess
    expect(partitionKey).toBe('billing.transaction.events-3-42');
  });

  it('repeats the envelope in the Kafka headers', () => {
    // Prepare
    const event = fixture('topupRequested') as unknown as BillingEvent;

    // Act
    const headers = headersOf(event);

    // Assess
    expect(headers).toEqual({
      [EventHeader.eventType]: 'TopupRequested',
      [EventHeader.schemaVersion]: '1',
      [EventHeader.correlationId]: ids.event,
      [EventHeader.contentType]: 'application/json',
    });
  });
});

describe('money', () => {
  it('converts to and from bigint minor units exactly', () => {
    // Prepare
    const large = 999_999_999_999_999n;

    // Act
    const money = moneyOf(large, 'EUR');

    // Assess
    expect(money).toEqual({ minorUnits: '999999999999999', currency: 'EUR' });
    expect(toMinorUnits(money)).toBe(large);
  });

  it.each([-1n, MAX_MINOR_UNITS + 1n])('refuses %s minor units', (amount) => {
    // Act
    const act = () => moneyOf(amount, 'EUR');

    // Assess
    expect(act).toThrow(MoneyError);
  });

  it.each([
    [{ minorUnits: '12345', currency: 'EUR' }, '123.45'],
    [{ minorUnits: '5', currency: 'EUR' }, '0.05'],
    [{ minorUnits: '500', currency: 'JPY' }, '500'],
    [{ minorUnits: '1234', currency: 'BHD' }, '1.234'],
  ] as const)('formats %j as %s major units', (money, expected) => {
    // Act
    const formatted = formatMajorUnits(money);

    // Assess
    expect(formatted).toBe(expected);
  });
});
