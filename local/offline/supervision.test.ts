import {
  type ConsumerActivity,
  partitionLag,
  restartDelayMs,
  SUPERVISION_DEFAULTS,
  stallOf,
  TriggerState,
} from './supervision';

const settings = { restartBaseDelayMs: 1_000, restartMaxDelayMs: 30_000, stallMs: 45_000 };
const NOW = 1_000_000;
const activity = (overrides: Partial<ConsumerActivity> = {}): ConsumerActivity => ({
  state: TriggerState.running,
  lastActivityAt: NOW,
  invocationsInFlight: 0,
  ...overrides,
});

describe('restartDelayMs', () => {
  it('doubles per consecutive failure from the base', () => {
    expect([1, 2, 3, 4].map((failures) => restartDelayMs(failures, settings))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it('is capped, however many failures in a row', () => {
    expect(restartDelayMs(6, settings)).toBe(30_000);
    expect(restartDelayMs(10_000, settings)).toBe(30_000);
  });

  it('never goes below the base', () => {
    expect(restartDelayMs(0, settings)).toBe(1_000);
  });
});

describe('stallOf', () => {
  it('leaves a consumer that fetched recently alone', () => {
    expect(stallOf(activity({ lastActivityAt: NOW - 44_999 }), NOW, settings)).toBeNull();
  });

  it('reports a running consumer silent for the stall time', () => {
    expect(stallOf(activity({ lastActivityAt: NOW - 45_000 }), NOW, settings)).toBe(
      'no fetch, heartbeat or invocation for 45 s',
    );
  });

  it('reports a consumer that never joined its group', () => {
    expect(
      stallOf(activity({ state: TriggerState.starting, lastActivityAt: NOW - 60_000 }), NOW, settings),
    ).toBe('not a member of its group after 60 s');
  });

  it('does not take a long invocation for a stall', () => {
    expect(
      stallOf(activity({ lastActivityAt: NOW - 120_000, invocationsInFlight: 1 }), NOW, settings),
    ).toBeNull();
  });

  it('leaves a consumer that is already down (its restart is scheduled) or stopped alone', () => {
    for (const state of [TriggerState.down, TriggerState.stopped]) {
      expect(stallOf(activity({ state, lastActivityAt: 0 }), NOW, settings)).toBeNull();
    }
  });

  it('waits longer than the session timeout by default', () => {
    expect(SUPERVISION_DEFAULTS.stallMs).toBeGreaterThan(30_000);
  });
});

describe('partitionLag', () => {
  it('is the log end minus the committed offset', () => {
    expect(partitionLag({ partition: 2, logStart: '0', logEnd: '7893', committed: '7737' }, true)).toBe(156);
  });

  it('is the whole retained log for a TRIM_HORIZON group that committed nothing', () => {
    expect(partitionLag({ partition: 0, logStart: '100', logEnd: '250', committed: '-1' }, true)).toBe(150);
  });

  it('is nothing for a LATEST group that committed nothing', () => {
    expect(partitionLag({ partition: 0, logStart: '100', logEnd: '250', committed: '-1' }, false)).toBe(0);
  });

  it('is never negative (a committed offset read after the log end)', () => {
    expect(partitionLag({ partition: 0, logStart: '0', logEnd: '10', committed: '12' }, true)).toBe(0);
  });

  it('counts offsets beyond 2^53 exactly', () => {
    expect(
      partitionLag(
        { partition: 0, logStart: '0', logEnd: '9007199254740993', committed: '9007199254740990' },
        true,
      ),
    ).toBe(3);
  });
});
