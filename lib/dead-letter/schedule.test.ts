import { DeadLetterConfigError } from './errors';
import {
  backoffMs,
  isLastAttempt,
  loadRetrySettings,
  nextStepAfterFailure,
  type RetrySettings,
} from './schedule';

const settings: RetrySettings = {
  maxAttempts: 4,
  backoffBaseMs: 1_000,
  backoffCapMs: 10_000,
  leaseMs: 60_000,
  batchSize: 10,
};
const now = new Date('2025-11-27T09:00:00.000Z');

describe('backoffMs', () => {
  it('doubles from the base per attempt, with half of it random', () => {
    expect([1, 2, 3].map((attempt) => backoffMs(attempt, settings, 0))).toEqual([500, 1_000, 2_000]);
    expect([1, 2, 3].map((attempt) => backoffMs(attempt, settings, 0.999_999))).toEqual([
      1_000, 2_000, 4_000,
    ]);
    expect(backoffMs(2, settings, 0.5)).toBe(1_500);
  });

  it('is capped', () => {
    expect(backoffMs(5, settings, 0.999_999)).toBe(10_000);
    expect(backoffMs(60, settings, 0)).toBe(5_000);
  });
});

describe('nextStepAfterFailure', () => {
  it('retries after the backoff while attempts remain', () => {
    expect(nextStepAfterFailure({ attempts: 2, permanent: false, now, settings, random: 0 })).toEqual({
      kind: 'retry',
      at: new Date(now.getTime() + 1_000),
    });
  });

  it('parks after the last attempt, and a permanent failure at once', () => {
    expect(nextStepAfterFailure({ attempts: 4, permanent: false, now, settings, random: 0 })).toEqual({
      kind: 'park',
      reason: '4 of 4 attempts failed',
    });
    expect(nextStepAfterFailure({ attempts: 1, permanent: true, now, settings, random: 0 }).kind).toBe(
      'park',
    );
  });
});

describe('isLastAttempt', () => {
  it('is the attempt that parks the letter if it fails: the last of the schedule, or a replay', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => isLastAttempt({ attempt, replay: false, settings }))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(isLastAttempt({ attempt: 2, replay: true, settings })).toBe(true);
  });
});

describe('loadRetrySettings', () => {
  it('has defaults and reads the environment', () => {
    expect(loadRetrySettings({})).toEqual({
      maxAttempts: 8,
      backoffBaseMs: 60_000,
      backoffCapMs: 21_600_000,
      leaseMs: 300_000,
      batchSize: 50,
    });
    expect(loadRetrySettings({ DEAD_LETTER_MAX_ATTEMPTS: '3' }).maxAttempts).toBe(3);
  });

  it('names the variable at fault', () => {
    expect(() => loadRetrySettings({ DEAD_LETTER_MAX_ATTEMPTS: 'many' })).toThrow(DeadLetterConfigError);
    expect(() => loadRetrySettings({ DEAD_LETTER_MAX_ATTEMPTS: '0' })).toThrow(/DEAD_LETTER_MAX_ATTEMPTS/);
    expect(() =>
      loadRetrySettings({ DEAD_LETTER_BACKOFF_BASE_SECONDS: '600', DEAD_LETTER_BACKOFF_CAP_SECONDS: '60' }),
    ).toThrow(/DEAD_LETTER_BACKOFF_CAP_SECONDS must be at least/);
  });
});
