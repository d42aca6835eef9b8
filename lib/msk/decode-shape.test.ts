import { buildMskEvent, decodeMskEvent, InvalidMskEventError } from './index';

/** The hand-written MSK shape check and the header decoding, against the reference behaviour. */
const passThrough = ({ value }: { value: Buffer }) => ({ ok: true as const, event: value.toString('utf8') });

const eventWith = (record: Record<string, unknown>) => ({
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/c/1',
  bootstrapServers: 'b-1:9092,b-2:9092',
  records: {
    't-0': [
      {
        topic: 't',
        partition: 0,
        offset: 1,
        timestamp: 1_700_000_000_000,
        timestampType: 'CREATE_TIME',
        key: Buffer.from('k').toString('base64'),
        value: Buffer.from('{"a":1}').toString('base64'),
        headers: [],
        ...record,
      },
    ],
  },
});

describe('decodeMskEvent shape and headers', () => {
  it('decodes ASCII, signed non-ASCII and null header bytes like Buffer does', () => {
    // Arrange
    const cases: number[][] = [
      [],
      [104],
      [104, 105],
      [104, 105, 106],
      [0, 127, 65, 66, 67],
      [-61, -87, 120],
      [195, 169],
    ];
    const headers = cases.map((bytes, index) => ({ [`h${index}`]: bytes }));
    headers.push({ empty: null } as never);

    // Act
    const decoded = decodeMskEvent(eventWith({ headers }), passThrough);

    // Assess
    const record = decoded.partitions[0]?.records[0];
    expect(decoded.bootstrapServers).toEqual(['b-1:9092', 'b-2:9092']);
    cases.forEach((bytes, index) => {
      expect(record?.headers[`h${index}`]).toBe(Buffer.from(bytes).toString('utf8'));
      expect(record?.origin.headers[index]).toEqual({
        key: `h${index}`,
        value: Buffer.from(bytes).toString('base64'),
      });
    });
    expect(record?.origin.headers.at(-1)).toEqual({ key: 'empty', value: null });
  });

  it.each([
    ['a wrong event source', { eventSource: 'aws:sqs' }],
    ['no records', { records: undefined }],
    ['an empty partition', { records: { 't-0': [] } }],
  ])('refuses an event with %s', (_name, change) => {
    expect(() => decodeMskEvent({ ...eventWith({}), ...change }, passThrough)).toThrow(InvalidMskEventError);
  });

  it.each([
    ['a value that is not base64', { value: 'not base64!' }],
    ['a value of the wrong length', { value: 'abc' }],
    ['a string offset', { offset: '1' }],
    ['header bytes out of range', { headers: [{ h: [256] }] }],
    ['a header that is not bytes', { headers: [{ h: 'text' }] }],
    ['headers missing', { headers: undefined }],
  ])('refuses a record with %s', (_name, change) => {
    expect(() => decodeMskEvent(eventWith(change), passThrough)).toThrow(/Not an MSK event/);
  });

  it('accepts null key and value and padded base64, as built by buildMskEvent', () => {
    // Arrange
    const event = buildMskEvent({
      eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/c/1',
      bootstrapServers: ['b-1:9092'],
      records: [
        {
          topic: 't',
          partition: 0,
          offset: '5',
          timestamp: 1_700_000_000_000,
          key: null,
          value: Buffer.from('ab'),
          headers: [],
        },
      ] as never,
    });

    // Act
    const decoded = decodeMskEvent(event, passThrough);

    // Assess
    expect(decoded.partitions[0]?.records[0]).toMatchObject({ ok: true, event: 'ab', key: null });
  });
});
