import { derivedEventId, uuidV5 } from './index';

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('derives the same event id for the same cause and step, another for another step', () => {
    const cause = '5f0c8f0e-3a4b-4c1d-9e2f-0a1b2c3d4e5f';
    expect(derivedEventId(cause, 'AccountBalanceChanged')).toBe(
      derivedEventId(cause, 'AccountBalanceChanged'),
    );
    expect(derivedEventId(cause, 'AccountBalanceChanged')).not.toBe(derivedEventId(cause, 'TransferDebited'));
  });
});
