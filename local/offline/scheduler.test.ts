import {
  type BatchingRules,
  BatchScheduler,
  bufferIsFull,
  nextBatch,
  type ScheduledBatch,
  Slots,
} from './scheduler';

const NOW = 1_000_000;
const rules: BatchingRules = { batchSize: 3, maxBytes: 1_000, windowMs: 1_000 };
const entries = (...bytes: number[]) => bytes.map((size) => ({ bytes: size, readAt: NOW }));

describe('nextBatch', () => {
  it('has nothing to do without records', () => {
    expect(nextBatch([], rules, NOW)).toEqual({ type: 'idle' });
  });

  it('waits out the window, counted from when the first record was read', () => {
    const buffer = [
      { bytes: 10, readAt: NOW },
      { bytes: 10, readAt: NOW + 600 },
    ];
    expect(nextBatch(buffer, rules, NOW + 700)).toEqual({ type: 'wait', ms: 300 });
    expect(nextBatch(buffer, rules, NOW + 1_000)).toEqual({ type: 'invoke', count: 2 });
    expect(nextBatch(buffer, rules, NOW + 5_000)).toEqual({ type: 'invoke', count: 2 });
  });

  it('invokes a full batch at once, and no more than the batch size', () => {
    expect(nextBatch(entries(10, 10, 10), rules, NOW)).toEqual({ type: 'invoke', count: 3 });
    expect(nextBatch(entries(10, 10, 10, 10, 10), rules, NOW)).toEqual({ type: 'invoke', count: 3 });
  });

  it('invokes at once when the payload limit is reached or the next record would not fit', () => {
    expect(nextBatch(entries(1_000), rules, NOW)).toEqual({ type: 'invoke', count: 1 });
    expect(nextBatch(entries(600, 600), rules, NOW)).toEqual({ type: 'invoke', count: 1 });
    expect(nextBatch(entries(600, 300), rules, NOW)).toEqual({ type: 'wait', ms: 1_000 });
  });

  it('cuts a buffer at the batch size and the payload limit, a record past the limit alone', () => {
    const batches = [[300, 500, 100], [100, 100], [900, 50, 50], [2_000], [10, 10, 10], [10]];
    let rest = batches.flat();
    for (const batch of batches.slice(0, -1)) {
      expect(nextBatch(entries(...rest), rules, NOW)).toEqual({ type: 'invoke', count: batch.length });
      rest = rest.slice(batch.length);
    }
    expect(rest).toEqual(batches[batches.length - 1]);
  });
});

describe('bufferIsFull', () => {
  it('holds two batches worth of records or bytes', () => {
    expect(bufferIsFull(5, 100, rules)).toBe(false);
    expect(bufferIsFull(6, 100, rules)).toBe(true);
    expect(bufferIsFull(1, 2_000, rules)).toBe(true);
  });
});

describe('Slots', () => {
  it('lets `size` holders in at once, the others in the order they asked', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const first = await slots.acquire();
    const second = await slots.acquire();
    const third = slots.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = slots.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(slots.queued).toBe(2);
    first();
    first(); // a second release gives nothing back
    (await third)();
    expect(order).toEqual(['third']);
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(slots.inUse).toBe(0);
  });

  it('has at least one slot', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});

interface TestRecord {
  readonly offset: number;
  readonly bytes?: number;
}

/** A scheduler whose `run` is held until the test ends it, and what it ran and signalled. */
function harness(overrides: Partial<BatchingRules> = {}, concurrency = 10) {
  const runs: {
    readonly partition: number;
    readonly offsets: number[];
    readonly at: number;
    readonly current: () => boolean;
    readonly acquire: () => Promise<() => void>;
    readonly finish: (error?: Error) => void;
  }[] = [];
  const flows: string[] = [];
  const errors: string[] = [];
  const scheduler = new BatchScheduler<TestRecord>({
    rules: { ...rules, ...overrides },
    concurrency,
    sizeOf: (record) => record.bytes ?? 10,
    offsetOf: (record) => BigInt(record.offset),
    run: (batch: ScheduledBatch<TestRecord>) =>
      new Promise<void>((resolve, reject) => {
        runs.push({
          partition: batch.partition,
          offsets: batch.records.map((record) => record.offset),
          at: Date.now() - NOW,
          current: batch.current,
          acquire: batch.acquire,
          finish: (error) => (error ? reject(error) : resolve()),
        });
      }),
    flow: (partition, paused) => flows.push(`${paused ? 'pause' : 'resume'} ${partition}`),
    onError: (partition, error) => errors.push(`${partition}: ${(error as Error).message}`),
  });
  /** Adds records and lets what is due start. */
  const add = async (partition: number, ...offsets: number[]) => {
    scheduler.add(
      partition,
      offsets.map((offset) => ({ offset })),
    );
    await jest.advanceTimersByTimeAsync(0);
  };
  const ran = () => runs.map((run) => `${run.partition}:${run.offsets.join(',')}@${run.at}`);
  return { scheduler, runs, flows, errors, add, ran };
}

describe('BatchScheduler', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("invokes a batch that is not full when its window expires, on the partition's own timer", async () => {
    const { add, ran } = harness();
    await add(0, 0);
    await jest.advanceTimersByTimeAsync(400);
    await add(0, 1);
    await jest.advanceTimersByTimeAsync(599);
    expect(ran()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(ran()).toEqual(['0:0,1@1000']);
  });

  it('invokes a full batch at once; what comes meanwhile forms the next one, in offset order', async () => {
    const { add, ran, runs } = harness();
    await add(0, 0, 1, 2, 3);
    expect(ran()).toEqual(['0:0,1,2@0']);
    await jest.advanceTimersByTimeAsync(300);
    await add(0, 4, 5, 6);
    await jest.advanceTimersByTimeAsync(2_000);
    // one batch at a time per partition: the next waits for the first to end
    expect(ran()).toEqual(['0:0,1,2@0']);
    runs[0]?.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(ran()).toEqual(['0:0,1,2@0', '0:3,4,5@2300']);
    runs[1]?.finish();
    await jest.advanceTimersByTimeAsync(0);
    // its window counted from when offset 6 was read (at 300): long passed
    expect(ran()).toEqual(['0:0,1,2@0', '0:3,4,5@2300', '0:6@2300']);
  });

  it('does not hold a partition back for another one in progress', async () => {
    const { add, ran, runs } = harness();
    await add(0, 0, 1, 2);
    await add(1, 10);
    await jest.advanceTimersByTimeAsync(1_000);
    await add(2, 20, 21, 22);
    expect(ran()).toEqual(['0:0,1,2@0', '1:10@1000', '2:20,21,22@1000']);
    runs[1]?.finish();
    await add(1, 11);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(ran()).toEqual(['0:0,1,2@0', '1:10@1000', '2:20,21,22@1000', '1:11@2000']);
    expect(runs[0]?.current()).toBe(true);
  });

  it('runs at most `concurrency` invocations at once; a batch waiting for a slot takes what comes meanwhile', async () => {
    const { add, ran, runs } = harness({}, 2);
    await add(0, 0, 1, 2);
    await add(1, 10, 11, 12);
    await add(2, 20);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(ran()).toEqual(['0:0,1,2@0', '1:10,11,12@0']);
    await add(2, 21);
    // the first invocation of a batch has its slot already
    const first = await runs[0]?.acquire();
    first?.();
    await jest.advanceTimersByTimeAsync(0);
    expect(ran()).toEqual(['0:0,1,2@0', '1:10,11,12@0', '2:20,21@1000']);
    // a retry of partition 0 waits for a slot in turn
    let retried = false;
    void runs[0]?.acquire().then(() => {
      retried = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(retried).toBe(false);
    runs[2]?.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(retried).toBe(true);
  });

  it('stops fetching a partition holding two batches worth, and fetches it again once below', async () => {
    const { add, flows, runs } = harness();
    await add(0, 0, 1, 2);
    await add(0, 3, 4, 5);
    // 3 in the batch in progress, 3 buffered
    expect(flows).toEqual([]);
    await add(0, 6, 7, 8);
    expect(flows).toEqual(['pause 0']);
    runs[0]?.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(flows).toEqual(['pause 0', 'resume 0']);
  });

  it('drops what is buffered on a reset; a batch then in progress is no longer current and the next waits for it', async () => {
    const { scheduler, add, ran, runs, flows } = harness();
    await add(0, 0, 1, 2, 3, 4, 5, 6, 7, 8);
    expect(flows).toEqual(['pause 0']);
    scheduler.reset();
    expect(flows).toEqual(['pause 0', 'resume 0']);
    expect(scheduler.buffered(0)).toBe(0);
    expect(runs[0]?.current()).toBe(false);
    // the consumer fetches from the committed offset again
    await add(0, 0, 1, 2);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(ran()).toEqual(['0:0,1,2@0']);
    runs[0]?.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(ran()).toEqual(['0:0,1,2@0', '0:0,1,2@1000']);
    expect(runs[1]?.current()).toBe(true);
  });

  it('resets a partition whose records come again from an earlier offset', async () => {
    const { scheduler, add, ran, runs } = harness();
    await add(0, 0, 1, 2, 3);
    await add(0, 2, 3);
    expect(scheduler.buffered(0)).toBe(2);
    expect(runs[0]?.current()).toBe(false);
    runs[0]?.finish();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(ran()).toEqual(['0:0,1,2@0', '0:2,3@1000']);
  });

  it('resets a partition whose batch failed, and reports it', async () => {
    const { scheduler, add, ran, runs, errors } = harness();
    await add(0, 0, 1, 2, 3);
    runs[0]?.finish(new Error('on-failure destination unreachable'));
    await jest.advanceTimersByTimeAsync(2_000);
    expect(errors).toEqual(['0: on-failure destination unreachable']);
    expect(scheduler.buffered(0)).toBe(0);
    expect(ran()).toEqual(['0:0,1,2@0']);
  });

  it('does not report a failure of a batch no longer current', async () => {
    const { scheduler, add, runs, errors } = harness();
    await add(0, 0, 1, 2);
    scheduler.reset();
    runs[0]?.finish(new Error('rebalanced'));
    await jest.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([]);
  });

  it('runs nothing more once stopped, and settles when the batches in progress end', async () => {
    const { scheduler, add, ran, runs } = harness();
    await add(0, 0, 1, 2, 3);
    await add(1, 10);
    scheduler.stop();
    expect(runs[0]?.current()).toBe(false);
    await add(1, 11, 12, 13);
    let settled = false;
    void scheduler.settled().then(() => {
      settled = true;
    });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(settled).toBe(false);
    runs[0]?.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe(true);
    expect(ran()).toEqual(['0:0,1,2@0']);
    expect(scheduler.running).toBe(0);
  });
});
