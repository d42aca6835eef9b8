import { headersOfStored, storableHeaders, storableMessage, storableText } from './storable';

describe('storable text', () => {
  it('escapes NUL and replaces lone surrogates, leaving other text alone', () => {
    expect(storableText('a\u0000b')).toBe('a\\u0000b');
    expect(storableText('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(storableText('€ \ud83d\ude00 ok')).toBe('€ \ud83d\ude00 ok');
  });

  it('cuts a message at 10,000 characters', () => {
    expect(storableMessage('m'.repeat(20_000))).toHaveLength(10_000);
  });

  it('keeps the bytes of a header name it had to escape, and reads them back', () => {
    const headers = [
      { key: 'trace\u0000id', value: 'eA==' },
      { key: 'content-type', value: null },
    ];
    const stored = storableHeaders(headers);
    expect(JSON.stringify(stored)).not.toMatch(/(^|[^\\])\\u0000/);
    expect(stored[0]).toMatchObject({ key: 'trace\\u0000id' });
    expect(headersOfStored(stored)).toEqual(headers);
  });
});
