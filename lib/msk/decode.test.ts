import { AccountEventType, TransactionEventType } from '../../schemas';
import mskEventFixture from './fixtures/msk-event.json';
import { buildMskEvent, decodeBillingMskEvent, decodeMskEvent, InvalidMskEventError } from './index';

/** A fresh copy of the recorded MSK event, so a test can change it freely. */
const mskEvent = (): typeof mskEventFixture => structuredClone(mskEventFixture);

describe('decodeBillingMskEvent', () => {
  it('groups records by topic-partition in offset order and keeps the event source', () => {
    // Act
    const decoded = decodeBillingMskEvent(mskEvent());

    // Assess
    expect(decoded.eventSourceArn).toBe(mskEventFixture.eventSourceArn);
    expect(decoded.bootstrapServers).toHaveLength(2);
    expect(
      decoded.partitions.map((batch) => [
        batch.topic,
        batch.partition,
        batch.records.map((r) => r.origin.offset),
      ]),
    ).toEqual([
      ['billing.account.events', 3, ['1207', '1208']],
      ['billing.transaction.events', 7, ['88', '89', '90', '91', '92']],
    ]);
  });

  it('decodes a valid record into its typed event, key and headers (non-ASCII header bytes too)', () => {
    // Act
    const record = decodeBillingMskEvent(mskEvent()).partitions[0]?.records[0];

    // Assess
    if (!record?.ok) throw new Error('expected a decoded event');
    expect(record.event.eventType).toBe(AccountEventType.accountOpened);
    expect(record.key).toBe('5f0c8f0e-3a4b-4c1d-9e2f-0a1b2c3d4e5f');
    expect(record.headers).toMatchObject({
      'event-type': 'AccountOpened',
      'content-type': 'application/json',
      'source-system': 'café-checkout',
    });
    const raw = record.origin.headers.find((header) => header.key === 'source-system');
    expect(Buffer.from(raw?.value ?? '', 'base64').toString('utf8')).toBe('café-checkout');
  });

  it('decodes a record whose key is absent', () => {
    // Act
    const record = decodeBillingMskEvent(mskEvent()).partitions[1]?.records[0];

    // Assess
    expect(record).toMatchObject({ ok: true, key: null, origin: { key: null, offset: '88' } });
    if (!record?.ok) throw new Error('expected a decoded event');
    expect(record.event.eventType).toBe(TransactionEventType.topupRequested);
  });

  it.each([
    ['89', 'NOT_JSON', /not UTF-8 JSON/],
    ['90', 'SCHEMA_INVALID', /payload\.amount\.minorUnits/],
    ['91', 'UNKNOWN_EVENT_TYPE', /"LoyaltyPointsGranted" is not carried by billing\.transaction\.events/],
    ['92', 'UNSUPPORTED_SCHEMA_VERSION', /schema version 7/],
  ])('returns offset %s as a permanent %s failure with its original coordinates', (offset, code, message) => {
    // Prepare
    const original = mskEventFixture.records['billing.transaction.events-7'].find(
      (record) => String(record.offset) === offset,
    );

    // Act
    const record = decodeBillingMskEvent(mskEvent())
      .partitions.flatMap((batch) => batch.records)
      .find((candidate) => candidate.origin.offset === offset);

    // Assess
    if (!record || record.ok || !original) throw new Error('expected a decoding failure');
    expect(record.failure).toMatchObject({ failureClass: 'permanent', code });
    expect(record.failure.message).toMatch(message);
    expect(record.origin).toEqual({
      topic: 'billing.transaction.events',
      partition: 7,
      offset,
      timestamp: new Date(original.timestamp).toISOString(),
      timestampMs: original.timestamp,
      timestampType: 'CREATE_TIME',
      key: original.key ?? null,
      value: original.value,
      headers: original.headers.flatMap((header) =>
        Object.entries(header).map(([key, bytes]) => ({ key, value: Buffer.from(bytes).toString('base64') })),
      ),
    });
  });

  it('lists each schema issue by path', () => {
    // Act
    const record = decodeBillingMskEvent(mskEvent())
      .partitions.flatMap((batch) => batch.records)
      .find((candidate) => candidate.origin.offset === '90');

    // Assess
    if (!record || record.ok) throw new Error('expected a decoding failure');
    expect(record.failure.issues.map((issue) => issue.path)).toContain('payload.amount.minorUnits');
  });

  it('sorts records that arrive out of offset order', () => {
    // Prepare
    const event = mskEvent();
    event.records['billing.transaction.events-7'].reverse();

    // Act
    const offsets = decodeBillingMskEvent(event).partitions[1]?.records.map((record) => record.origin.offset);

    // Assess
    expect(offsets).toEqual(['88', '89', '90', '91', '92']);
  });

  it('treats a record without value as a permanent EMPTY_VALUE failure', () => {
    // Prepare
    const event = mskEvent() as { records: Record<string, Record<string, unknown>[]> };
    delete event.records['billing.account.events-3']?.[1]?.value;

    // Act
    const record = decodeBillingMskEvent(event).partitions[0]?.records[1];

    // Assess
    expect(record).toMatchObject({ ok: false, failure: { code: 'EMPTY_VALUE' }, origin: { value: null } });
  });

  it('throws InvalidMskEventError for an event that is not from MSK', () => {
    // Prepare
    const event = { ...mskEvent(), eventSource: 'aws:sqs' };

    // Act & Assess
    expect(() => decodeBillingMskEvent(event)).toThrow(InvalidMskEventError);
  });
});

describe('decodeMskEvent', () => {
  it('passes the value bytes and text headers to any value decoder', () => {
    // Prepare
    const event = buildMskEvent({
      eventSourceArn: mskEventFixture.eventSourceArn,
      bootstrapServers: ['localhost:9092'],
      records: [
        {
          topic: 'metrics-raw',
          partition: 0,
          offset: 5,
          timestamp: 1764235800000,
          key: Buffer.from('k'),
          value: Buffer.from([0xde, 0xad]),
          headers: [{ key: 'note', value: Buffer.from('über') }],
        },
      ],
    });

    // Act
    const decoded = decodeMskEvent(event, ({ value, headers }) => ({
      ok: true,
      event: { hex: value.toString('hex'), note: headers.note },
    }));

    // Assess
    expect(event.records['metrics-raw-0']?.[0]?.headers).toEqual([{ note: [-61, -68, 98, 101, 114] }]);
    expect(decoded.partitions[0]?.records[0]).toMatchObject({
      ok: true,
      event: { hex: 'dead', note: 'über' },
    });
  });
});
