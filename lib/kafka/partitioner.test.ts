import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { JavaCompatiblePartitioner, murmur2, partitionOfKey } from './partitioner';

// kafkajs' own murmur2 (Long arithmetic), the reference this one must agree with byte for byte.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer,
) => number;

const metadata = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));

describe('murmur2 and the keyed partition (the Java client default partitioner)', () => {
  it('hashes as kafkajs does, for keys of every length remainder and random bytes', () => {
    const keys = [
      Buffer.alloc(0),
      Buffer.from('a'),
      Buffer.from('ab'),
      Buffer.from('abc'),
      Buffer.from('abcd'),
      ...Array.from({ length: 500 }, (_, index) => randomBytes(index % 67)),
      ...Array.from({ length: 500 }, () => Buffer.from(randomUUID())),
    ];
    for (const key of keys) expect(murmur2(key)).toBe(kafkajsMurmur2(key));
  });

  it('matches values computed by the Java client (Utils.murmur2)', () => {
    // Kafka's own UtilsTest: murmur2 of these strings' UTF-8 bytes.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });

  it('chooses the partition kafkajs’ DefaultPartitioner chooses, and honours an explicit one', () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const count of [1, 3, 5, 10, 64]) {
      for (let index = 0; index < 200; index += 1) {
        const message = { key: randomUUID(), value: 'x' };
        const args = { topic: 't', partitionMetadata: metadata(count), message };
        expect(ours(args)).toBe(theirs(args));
        expect(ours(args)).toBe(partitionOfKey(Buffer.from(message.key), count));
      }
    }
    expect(
      ours({ topic: 't', partitionMetadata: metadata(10), message: { key: 'k', value: 'x', partition: 7 } }),
    ).toBe(7);
    const keyless = ours({ topic: 't', partitionMetadata: metadata(10), message: { value: 'x' } });
    expect(keyless).toBeGreaterThanOrEqual(0);
    expect(keyless).toBeLessThan(10);
  });
});
