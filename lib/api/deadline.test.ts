import { requestDeadlineMs } from './deadline';

describe('requestDeadlineMs', () => {
  it('is 10 s when the function has its full 28 s', () => {
    expect(requestDeadlineMs(28_000)).toBe(10_000);
  });

  it('stays a margin below the time the function has left', () => {
    expect(requestDeadlineMs(6_000)).toBe(4_000);
  });

  it('is never negative', () => {
    expect(requestDeadlineMs(500)).toBe(0);
  });
});
