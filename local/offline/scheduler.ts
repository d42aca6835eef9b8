import { batchingWaitMs, startsNextBatch } from './policy';

/*
 * When each partition's batch is invoked, independently of the fetch loop and of the other
 * partitions: the kafkajs consumer hands every fetched record to `BatchScheduler.add` and moves on
 * (its next fetch does not wait on any invocation); the records wait in their partition's buffer
 * until their batch is due, by a timer of the partition's own:
 *
 * - a batch is the head of the buffer, at most `batchSize` records and `maxBytes` (startsNextBatch);
 * - it is invoked at once when it is full (or the next record would not fit), otherwise when the
 *   batching window, counted from when its first record was read, has passed (batchingWaitMs), as
 *   MSK's MaximumBatchingWindowInSeconds;
 * - one batch per partition at a time, in offset order: the next batch of a partition is formed
 *   only once the previous one is done (its invocations, retries, commit), so records that arrived
 *   meanwhile join it;
 * - a buffer that holds two batches' worth asks the consumer to stop fetching the partition (flow),
 *   and to fetch it again once it is below that;
 * - `reset` (a rebalance, a fresh consumer) drops what is buffered: the consumer fetches it again
 *   from the committed offset. A batch in progress then is no longer `current`: it commits nothing
 *   more, and the partition's next batch waits for it to end. A batch that fails (not a function
 *   error: the policy handles those; a commit path that throws) resets its partition too.
 *
 * How many invocations of the trigger run at once is `concurrency`'s (partitionsConcurrently), a
 * slot taken per invocation (so a partition waiting out a retry's backoff holds no other one back),
 * first come first served. A batch that is due is cut from its buffer once it has its slot: while it
 * waits for one, what arrives joins it (up to the batch size), as more records go into each
 * invocation on AWS when a partition is behind.
 */

/** The batching rules of a trigger. */
export interface BatchingRules {
  readonly batchSize: number;
  readonly maxBytes: number;
  readonly windowMs: number;
}

/** A record waiting in its partition's buffer: its size and when it was read. */
export interface BufferedRecord<R> {
  readonly record: R;
  readonly bytes: number;
  readonly readAt: number;
}

/** What a partition's buffer calls for now. */
export type BatchDecision =
  | { readonly type: 'idle' }
  /** Not full: ask again in `ms` (the window's end), or when records come. */
  | { readonly type: 'wait'; readonly ms: number }
  /** Invoke the first `count` records now. */
  | { readonly type: 'invoke'; readonly count: number };

/** The next batch of a partition's buffer (oldest first) at `now`. */
export function nextBatch(
  buffer: readonly Pick<BufferedRecord<unknown>, 'bytes' | 'readAt'>[],
  rules: BatchingRules,
  now: number,
): BatchDecision {
  const first = buffer[0];
  if (first === undefined) return { type: 'idle' };
  let count = 0;
  let bytes = 0;
  for (const entry of buffer) {
    if (startsNextBatch(count, bytes, entry.bytes, rules.batchSize, rules.maxBytes)) {
      return { type: 'invoke', count };
    }
    count += 1;
    bytes += entry.bytes;
  }
  const ms = batchingWaitMs({
    records: count,
    bytes,
    batchSize: rules.batchSize,
    maxBytes: rules.maxBytes,
    windowMs: rules.windowMs,
    firstReadAt: first.readAt,
    now,
  });
  return ms === 0 ? { type: 'invoke', count } : { type: 'wait', ms };
}

/** Whether a partition holds enough to stop fetching it: two batches' worth (records or bytes). */
export const bufferIsFull = (records: number, bytes: number, rules: BatchingRules): boolean =>
  records >= 2 * rules.batchSize || bytes >= 2 * rules.maxBytes;

/** A counting semaphore, first come first served: the invocations that may run at once. */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`slots: at least 1, not ${size}`);
    this.free = size;
  }

  /** Slots taken. */
  get inUse(): number {
    return this.size - this.free;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; the function returned gives it back (once). */
  async acquire(): Promise<() => void> {
    if (this.free > 0) {
      this.free -= 1;
    } else {
      // The releaser hands its slot over: `free` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}

/** A batch handed to `run`. */
export interface ScheduledBatch<R> {
  readonly partition: number;
  readonly records: readonly R[];
  /** False once the partition was reset (rebalance, fresh consumer, stop): commit nothing more. */
  readonly current: () => boolean;
  /** An invocation slot, held until the function returned is called (the first is already held). */
  readonly acquire: () => Promise<() => void>;
}

export interface BatchSchedulerOptions<R> {
  readonly rules: BatchingRules;
  /** Invocations at once, over every partition. */
  readonly concurrency: number;
  readonly sizeOf: (record: R) => number;
  readonly offsetOf: (record: R) => bigint;
  /** Runs one batch to its end: invocations, retries, on-failure, commits. */
  readonly run: (batch: ScheduledBatch<R>) => Promise<void>;
  /** Stop (true) or resume (false) fetching a partition. */
  readonly flow: (partition: number, paused: boolean) => void;
  /**
   * `run` failed on a current batch: its records are not committed. The partition's buffer is
   * dropped (nothing after the batch runs ahead of it); the consumer must deliver it again from the
   * committed offset (a fresh consumer).
   */
  readonly onError: (partition: number, error: unknown) => void;
  readonly now?: () => number;
}

interface Lane<R> {
  readonly partition: number;
  buffer: BufferedRecord<R>[];
  bytes: number;
  /** Bumped by a reset: batches of an older epoch are no longer current. */
  epoch: number;
  /** The highest offset taken in this epoch (buffered or run). */
  lastOffset?: bigint;
  /** A batch is in progress (at most one per partition, across resets). */
  running: boolean;
  timer?: ReturnType<typeof setTimeout>;
  paused: boolean;
}

/** Per partition, when its batch is invoked (see the comment at the top of this file). */
export class BatchScheduler<R> {
  private readonly lanes = new Map<number, Lane<R>>();
  private readonly runs = new Set<Promise<void>>();
  private readonly slots: Slots;
  private stopped = false;

  constructor(private readonly options: BatchSchedulerOptions<R>) {
    this.slots = new Slots(options.concurrency);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private lane(partition: number): Lane<R> {
    let lane = this.lanes.get(partition);
    if (lane === undefined) {
      lane = { partition, buffer: [], bytes: 0, epoch: 0, running: false, paused: false };
      this.lanes.set(partition, lane);
    }
    return lane;
  }

  /** Records of a partition, fetched in offset order after those given before. */
  add(partition: number, records: readonly R[]): void {
    const first = records[0];
    const last = records[records.length - 1];
    if (this.stopped || first === undefined || last === undefined) return;
    const lane = this.lane(partition);
    const { offsetOf, sizeOf } = this.options;
    // The consumer's position went back (it was reset under us): what it delivers again replaces
    // what is buffered, and a batch in progress is not committed.
    if (lane.lastOffset !== undefined && offsetOf(first) <= lane.lastOffset) this.resetLane(lane);
    const readAt = this.now();
    for (const record of records) {
      const bytes = sizeOf(record);
      lane.buffer.push({ record, bytes, readAt });
      lane.bytes += bytes;
    }
    lane.lastOffset = offsetOf(last);
    this.schedule(lane);
    this.flowControl(lane);
  }

  /** Drops what every partition (or those given) has buffered; batches in progress are no longer current. */
  reset(partitions?: Iterable<number>): void {
    const lanes =
      partitions === undefined
        ? [...this.lanes.values()]
        : [...partitions].flatMap((partition) => this.lanes.get(partition) ?? []);
    for (const lane of lanes) this.resetLane(lane);
  }

  /** Stops for good: nothing more is run; batches in progress are no longer current. */
  stop(): void {
    this.reset();
    this.stopped = true;
  }

  /** Resolves once no batch is in progress (those of older epochs included). */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
  }

  /** Records buffered for a partition (not yet in a batch). */
  buffered(partition: number): number {
    return this.lanes.get(partition)?.buffer.length ?? 0;
  }

  /** Partitions with a batch in progress. */
  get running(): number {
    let count = 0;
    for (const lane of this.lanes.values()) if (lane.running) count += 1;
    return count;
  }

  private resetLane(lane: Lane<R>): void {
    clearTimeout(lane.timer);
    lane.timer = undefined;
    lane.buffer = [];
    lane.bytes = 0;
    lane.epoch += 1;
    lane.lastOffset = undefined;
    this.flowControl(lane);
  }

  private flowControl(lane: Lane<R>): void {
    const full = bufferIsFull(lane.buffer.length, lane.bytes, this.options.rules);
    if (full === lane.paused) return;
    lane.paused = full;
    this.options.flow(lane.partition, full);
  }

  private schedule(lane: Lane<R>): void {
    if (this.stopped || lane.running) return;
    const decision = nextBatch(lane.buffer, this.options.rules, this.now());
    if (decision.type === 'idle') return;
    if (decision.type === 'wait') {
      // The window's end depends on the first record only: a timer set for it stays right.
      if (lane.timer === undefined) {
        lane.timer = setTimeout(() => {
          lane.timer = undefined;
          this.schedule(lane);
        }, decision.ms);
        lane.timer.unref?.();
      }
      return;
    }
    clearTimeout(lane.timer);
    lane.timer = undefined;
    lane.running = true;
    const epoch = lane.epoch;
    const current = () => !this.stopped && lane.epoch === epoch;
    const done = () => {
      lane.running = false;
      this.schedule(lane);
    };
    const settled = this.start(lane, current)
      .catch((error: unknown) => {
        if (!current()) return;
        this.resetLane(lane);
        this.options.onError(lane.partition, error);
      })
      .finally(done)
      .catch(() => undefined)
      .finally(() => this.runs.delete(settled));
    this.runs.add(settled);
  }

  /** Takes a slot, then the batch due from the partition's buffer, and runs it. */
  private async start(lane: Lane<R>, current: () => boolean): Promise<void> {
    let held: (() => void) | undefined = await this.slots.acquire();
    try {
      // Reset while waiting: what it was to run is gone (fetched again).
      if (!current()) return;
      const decision = nextBatch(lane.buffer, this.options.rules, this.now());
      if (decision.type !== 'invoke') return;
      const taken = lane.buffer.splice(0, decision.count);
      for (const entry of taken) lane.bytes -= entry.bytes;
      this.flowControl(lane);
      const acquire = async () => {
        const slot = held;
        held = undefined;
        return slot ?? this.slots.acquire();
      };
      await this.options.run({
        partition: lane.partition,
        records: taken.map((entry) => entry.record),
        current,
        acquire,
      });
    } finally {
      held?.();
    }
  }
}
