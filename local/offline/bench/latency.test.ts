import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  achievedRate,
  distributionOf,
  dueAtMs,
  dueBy,
  goalOf,
  keptUp,
  LATENCY_DEFAULTS,
  LoadEvent,
  loadEventAt,
  metricsByFunction,
  parseLatencyArgs,
  percentile,
  slicesOf,
  triggerWindowsOf,
} from './latency';

describe('bench:latency arguments', () => {
  it('defaults to 1,000 events/s for 60 s', () => {
    expect(parseLatencyArgs([])).toEqual({ ok: true, args: LATENCY_DEFAULTS });
    expect(LATENCY_DEFAULTS).toEqual({ rate: 1_000, durationSeconds: 60 });
  });

  it('takes a rate and a duration', () => {
    expect(parseLatencyArgs(['500', '20'])).toEqual({ ok: true, args: { rate: 500, durationSeconds: 20 } });
    expect(parseLatencyArgs(['2.5'])).toEqual({ ok: true, args: { rate: 2.5, durationSeconds: 60 } });
  });

  it.each([
    [['fast'], 'rate must be a positive number, not "fast"'],
    [['-5'], 'rate must be a positive number, not "-5"'],
    [['1e3'], 'rate must be a positive number, not "1e3"'],
    [['0'], 'rate must be between 1 and 10000, not 0'],
    [['20000'], 'rate must be between 1 and 10000, not 20000'],
    [['500', '0.5'], 'seconds must be between 1 and 600, not 0.5'],
    [['500', '601'], 'seconds must be between 1 and 600, not 601'],
    [['500', ''], 'seconds must be a positive number, not ""'],
    [['500', '20', '3'], 'expected at most 2 arguments (rate, seconds), got 3: 500 20 3'],
  ])('refuses %j with a message naming the argument', (argv, message) => {
    expect(parseLatencyArgs(argv)).toEqual({ ok: false, message });
  });
});

describe('the paced schedule', () => {
  it('puts event i at i / rate seconds from the start', () => {
    expect(dueAtMs(0, 1_000)).toBe(0);
    expect(dueAtMs(1, 1_000)).toBe(1);
    expect(dueAtMs(1_000, 1_000)).toBe(1_000);
    expect(dueAtMs(3, 300)).toBe(10);
  });

  it('counts the events due by an absolute time, so a late producer catches up instead of drifting', () => {
    // Prepare: 1,000 events/s, 5,000 in all
    const rate = 1_000;
    const total = 5_000;

    // Assess: before the start nothing, at the start the first event, then one per ms
    expect(dueBy(-1, rate, total)).toBe(0);
    expect(dueBy(0, rate, total)).toBe(1);
    expect(dueBy(0.999, rate, total)).toBe(1);
    expect(dueBy(1, rate, total)).toBe(2);
    // A producer that wakes 250 ms late owes the 250 events it missed at once.
    expect(dueBy(250, rate, total)).toBe(251);
    expect(dueBy(60_000, rate, total)).toBe(total);
  });

  it('agrees with dueAtMs: every event is due at its own time, not before (rates with inexact intervals)', () => {
    for (const rate of [1, 3, 7, 300, 999, 1_000, 7_777]) {
      for (let index = 0; index < 500; index += 1) {
        expect(dueBy(dueAtMs(index, rate), rate, 10_000)).toBeGreaterThanOrEqual(index + 1);
        expect(dueBy(dueAtMs(index, rate) - 0.01, rate, 10_000)).toBe(index);
      }
    }
  });

  it('mixes 90% movements, 5% openings and 5% transfers evenly over every 20 events', () => {
    // Act
    const counts = new Map<LoadEvent, number>();
    for (let index = 0; index < 60_000; index += 1) {
      counts.set(loadEventAt(index), (counts.get(loadEventAt(index)) ?? 0) + 1);
    }
    const firstTwenty = Array.from({ length: 20 }, (_, index) => loadEventAt(index));

    // Assess
    expect(counts.get(LoadEvent.transfer)).toBe(3_000);
    expect(counts.get(LoadEvent.openAccount)).toBe(3_000);
    expect((counts.get(LoadEvent.topup) ?? 0) + (counts.get(LoadEvent.withdrawal) ?? 0)).toBe(54_000);
    expect(counts.get(LoadEvent.topup)).toBe(36_000);
    expect(firstTwenty.filter((kind) => kind === LoadEvent.transfer)).toHaveLength(1);
    expect(firstTwenty.filter((kind) => kind === LoadEvent.openAccount)).toHaveLength(1);
  });

  it('reports the rate achieved over the span it took', () => {
    expect(achievedRate(60_000, 60_000)).toBe(1_000);
    expect(achievedRate(30_000, 60_000)).toBe(500);
    expect(achievedRate(10, 0)).toBeNaN();
  });
});

describe('percentiles', () => {
  it('are nearest-rank: the smallest value with p% of the values at or below it', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    // 1,000 values: p99 is the 990th, so the 10 slowest are above it.
    const thousand = Array.from({ length: 1_000 }, (_, index) => index);
    expect(percentile(thousand, 99)).toBe(989);
  });

  it('summarise unsorted values with their maximum and mean', () => {
    expect(distributionOf([30, 10, 20, 40])).toEqual({
      count: 4,
      p50: 20,
      p95: 40,
      p99: 40,
      max: 40,
      mean: 25,
    });
    expect(distributionOf([]).count).toBe(0);
  });

  it('meet the goal when p99 is at most the window plus 100 ms', () => {
    const under = distributionOf(Array.from({ length: 100 }, (_, index) => 1_000 + index));
    const over = distributionOf([...Array.from({ length: 98 }, () => 900), 1_200, 1_300]);
    expect(goalOf(1_000, under)).toEqual({ goalMs: 1_100, met: true, ratio: 1_098 / 1_100 });
    expect(goalOf(1_000, over).met).toBe(false);
    expect(goalOf(1_000, distributionOf([])).met).toBe(false);
  });
});

describe('a backlog', () => {
  it('shows in the latencies by slice of the load, empty slices included', () => {
    // Prepare: latencies growing over the run, nothing due in the second slice
    const points = [
      { at: 0, value: 1_000 },
      { at: 9_999, value: 1_100 },
      { at: 25_000, value: 5_000 },
      { at: 29_000, value: 7_000 },
    ];

    // Act
    const slices = slicesOf(points, 10_000);

    // Assess
    expect(slices.map((slice) => slice.count)).toEqual([2, 0, 2]);
    expect(slices.map((slice) => slice.max)).toEqual([1_100, Number.NaN, 7_000]);
  });

  it('is what a first record waiting over twice the window means', () => {
    expect(keptUp(distributionOf([1_200, 1_300, 1_900]), 1_000)).toBe(true);
    expect(keptUp(distributionOf([1_200, 2_100, 9_000]), 1_000)).toBe(false);
    expect(keptUp(distributionOf([]), 1_000)).toBe(false);
  });
});

describe('what the report reads', () => {
  it("takes each trigger's batching window and batch size from serverless.yml", () => {
    const config = parse(readFileSync(join(__dirname, '..', '..', '..', 'serverless.yml'), 'utf8'));
    const windows = triggerWindowsOf(config);
    const fn = config.functions.transactionProjector.events[0].msk;

    expect(windows.get('transactionProjector')).toEqual({
      topic: 'billing.transaction.events',
      batchSize: fn.batchSize,
      windowMs: fn.maximumBatchingWindow * 1000,
    });
    expect([...windows.keys()]).toEqual(
      expect.arrayContaining(['accountProjector', 'transactionProjector', 'transferSaga']),
    );
  });

  it("sums the emulator's samples per function", () => {
    const text = [
      '# HELP msk_offline_batch_size Records per invocation',
      'msk_offline_batch_size_bucket{le="1",function="transferSaga"} 3',
      'msk_offline_batch_size_sum{function="transferSaga"} 42',
      'msk_offline_batch_size_count{function="transferSaga"} 6',
      'msk_offline_offset_lag{function="accountProjector",topic="billing.account.events",partition="0"} 2',
      'msk_offline_offset_lag{function="accountProjector",topic="billing.account.events",partition="1"} 5',
      'billing_dead_letters{status="parked"} 1',
    ].join('\n');

    const metrics = metricsByFunction(text);

    expect(metrics.get('msk_offline_batch_size_sum')?.get('transferSaga')).toBe(42);
    expect(metrics.get('msk_offline_batch_size_count')?.get('transferSaga')).toBe(6);
    expect(metrics.get('msk_offline_offset_lag')?.get('accountProjector')).toBe(7);
    expect(metrics.has('billing_dead_letters')).toBe(false);
  });
});
