import { recordHeadersOf } from './build';

describe('recordHeadersOf (kafkajs headers to a record input)', () => {
  it('lists one entry per value in order, repeated names included, absent values as null', () => {
    expect(
      recordHeadersOf({ a: Buffer.from('1'), b: [Buffer.from('2'), '3'], c: undefined }).map((header) => ({
        key: header.key,
        value: header.value?.toString() ?? null,
      })),
    ).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'b', value: '3' },
      { key: 'c', value: null },
    ]);
    expect(recordHeadersOf(undefined)).toEqual([]);
  });
});
