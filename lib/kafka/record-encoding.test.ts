import { randomBytes } from 'node:crypto';

/*
 * kafkajs' record encoding is patched (patches/kafkajs+2.2.4.patch: varints written in place, one
 * buffer per record instead of one per header, no Long objects for small timestamps, buffers not
 * zero-filled). These tests check the patched encoder against the record format as Kafka defines
 * it (KIP-98's record v2: zigzag varints), written here from scratch with bigint arithmetic.
 */

interface KafkajsEncoder {
  readonly buffer: Buffer;
  writeVarInt(value: number): KafkajsEncoder;
  writeUVarInt(value: number): KafkajsEncoder;
  writeVarLong(value: number | string): KafkajsEncoder;
}
const Encoder = require('kafkajs/src/protocol/encoder') as {
  new (initialSize?: number): KafkajsEncoder;
  sizeOfVarLong(value: number): number;
};
const Long = require('kafkajs/src/utils/long') as { fromString(text: string): unknown };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
}) => KafkajsEncoder;

/** Unsigned LEB128 of a non-negative bigint. */
function uvarint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}
/** Zigzag then LEB128, as Kafka's varint and varlong. */
const varint = (value: bigint): number[] => uvarint(value >= 0n ? value * 2n : -value * 2n - 1n);
const bytesField = (value: Buffer | string | null): number[] => {
  if (value === null) return varint(-1n);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return [...varint(BigInt(bytes.length)), ...bytes];
};

/** A record as Kafka's format defines it: length, attributes, deltas, key, value, headers. */
function referenceRecord(record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: [string, string | Buffer][];
}): Buffer {
  const body = [
    0,
    ...varint(BigInt(record.timestampDelta)),
    ...varint(BigInt(record.offsetDelta)),
    ...bytesField(record.key),
    ...bytesField(record.value),
    ...varint(BigInt(record.headers.length)),
    ...record.headers.flatMap(([key, value]) => [...bytesField(key), ...bytesField(value)]),
  ];
  return Buffer.from([...varint(BigInt(body.length)), ...body]);
}

const edges = [
  0,
  1,
  -1,
  63,
  -64,
  64,
  -65,
  127,
  128,
  8191,
  8192,
  2 ** 30 - 1,
  -(2 ** 30),
  2 ** 30,
  -(2 ** 30) - 1,
];

describe('kafkajs record encoding, as patched', () => {
  it('writes varints and varlongs byte for byte as Kafka defines them, at every size boundary', () => {
    for (const value of [...edges, 2 ** 31 - 1, -(2 ** 31)]) {
      expect([...new Encoder().writeVarInt(value).buffer]).toEqual(varint(BigInt(value)));
    }
    for (const value of [...edges, 2 ** 31, 2 ** 40 + 3, -(2 ** 40), Number.MAX_SAFE_INTEGER]) {
      expect([...new Encoder().writeVarLong(value).buffer]).toEqual(varint(BigInt(value)));
      expect(Encoder.sizeOfVarLong(value)).toBe(varint(BigInt(value)).length);
    }
    const long = '-9223372036854775808';
    expect([...new Encoder().writeVarLong(Long.fromString(long) as string).buffer]).toEqual(
      varint(BigInt(long)),
    );
  });

  it('grows its buffer past the initial size without losing what it wrote', () => {
    // Arrange
    const encoder = new Encoder(1);
    const values = Array.from({ length: 300 }, (_, index) => (index % 2 === 0 ? index * 7919 : -index));

    // Act
    for (const value of values) encoder.writeVarInt(value);

    // Assess
    expect([...encoder.buffer]).toEqual(values.flatMap((value) => varint(BigInt(value))));
  });

  it('encodes records with keys, values and headers (strings, bytes, repeated keys) as the format says', () => {
    for (let round = 0; round < 200; round++) {
      // Arrange
      const headers: Record<string, string | Buffer | (string | Buffer)[]> = {
        'event-type': 'TransactionApplied',
        'schema-version': String(round),
        'correlation-id': randomBytes(8).toString('hex'),
        'content-type': 'application/json',
      };
      if (round % 3 === 0) headers.binary = randomBytes(round % 50);
      if (round % 5 === 0) headers.repeated = ['a', Buffer.from('ü'), ''];
      const record = {
        offsetDelta: round * 37,
        timestampDelta: round % 7 === 0 ? 2 ** 31 + round : round * 1_000,
        key: round % 4 === 0 ? null : randomBytes(16).toString('hex'),
        value: round % 2 === 0 ? randomBytes(round * 13) : `{"n":${round},"text":"é${'x'.repeat(round)}"}`,
        headers,
      };
      const flat = Object.entries(headers).flatMap(([key, value]) =>
        Array.isArray(value) ? value.map((item): [string, string | Buffer] => [key, item]) : [[key, value]],
      ) as [string, string | Buffer][];

      // Act
      const encoded = encodeRecord(record).buffer;

      // Assess
      expect(encoded.equals(referenceRecord({ ...record, headers: flat }))).toBe(true);
    }
  });
});
