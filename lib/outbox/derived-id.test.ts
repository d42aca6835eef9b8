import { createHash } from 'node:crypto';
import { derivedEventId, uuidV5 } from './index';

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('agrees with the digest computed the long way, for names of many lengths and characters', () => {
    const namespace = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    for (const name of ['', 'a', 'é€😀', 'x'.repeat(495), 'y'.repeat(496), 'z'.repeat(2000)]) {
      const digest = createHash('sha1')
        .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
        .update(name, 'utf8')
        .digest();
      digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
      digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
      const hex = digest.subarray(0, 16).toString('hex');
      expect(uuidV5(name, namespace)).toBe(
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      );
    }
  });

  it('derives the same event id for the same cause and step, another for another step', () => {
    const cause = '5f0c8f0e-3a4b-4c1d-9e2f-0a1b2c3d4e5f';
    expect(derivedEventId(cause, 'TransactionApplied')).toBe(derivedEventId(cause, 'TransactionApplied'));
    expect(derivedEventId(cause, 'TransactionApplied')).not.toBe(derivedEventId(cause, 'TransferDebited'));
  });
});
