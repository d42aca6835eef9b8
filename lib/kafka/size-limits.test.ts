import { BYTES_PER_MB, checkEventSize, formatMegabytes, MAX_EVENT_BYTES } from './index';

describe('checkEventSize', () => {
  it('rejects a 15.23 MB value with the exact message', () => {
    expect(checkEventSize(Math.round(15.23 * BYTES_PER_MB))).toEqual({
      verdict: 'too-large',
      bytes: Math.round(15.23 * BYTES_PER_MB),
      message: 'Event message size (15.23 MB) exceeds maximum allowed size (10 MB)',
    });
  });

  it('accepts exactly 10 MB and refuses one byte more', () => {
    expect(checkEventSize(MAX_EVENT_BYTES).verdict).toBe('large');
    expect(checkEventSize(MAX_EVENT_BYTES + 1)).toMatchObject({
      verdict: 'too-large',
      message: 'Event message size (10.00 MB) exceeds maximum allowed size (10 MB)',
    });
  });

  it('flags values above 1 MB as large and leaves smaller ones alone', () => {
    expect(checkEventSize(BYTES_PER_MB).verdict).toBe('ok');
    expect(checkEventSize(BYTES_PER_MB + 1).verdict).toBe('large');
  });

  it('formats megabytes of 1024 * 1024 bytes with two decimals', () => {
    expect(formatMegabytes(Math.round(2.34 * BYTES_PER_MB))).toBe('2.34');
    expect(formatMegabytes(2_340_000)).toBe('2.23');
  });
});
