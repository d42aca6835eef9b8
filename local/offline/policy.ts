import { FailureCondition } from './constants';
import type { BatchAction, FailurePolicy, InvocationOutcome, PolicyRecord } from './types';

/*
 * The retry rules of an MSK event source mapping for one partition's batch, as a pure state
 * machine: the I/O edge asks `nextBatchAction` what to do, does it, and reports an invocation's
 * outcome with `afterInvocation`. Time comes in as data.
 *
 * - Records are handled in offset order: a batch splits into segments, handled one after another;
 *   the offset after a segment is committed only once the segment is done (applied or sent to the
 *   on-failure destination).
 * - On a function error, with BisectBatchOnFunctionError the segment is halved (a split does not
 *   count as a retry, as in Lambda); a single record, or without bisect the whole segment, is
 *   retried with exponential backoff until MaximumRetryAttempts, then sent on (RetriesExhausted).
 * - A partial batch response commits the records before the first failed one; the rest failed.
 * - Before each invocation, records older than MaximumRecordAgeInSeconds are sent on
 *   (RecordAgeExceeded) and not invoked.
 */

interface Segment<R extends PolicyRecord> {
  readonly records: readonly R[];
  /** The offset to commit once the segment is done. */
  readonly endOffset: string;
  readonly retries: number;
  readonly invocations: number;
  readonly exhausted: boolean;
}

/** A partition's batch in progress. */
export interface BatchRun<R extends PolicyRecord> {
  readonly policy: FailurePolicy;
  readonly segments: readonly Segment<R>[];
  readonly pendingCommit?: string;
}

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/** The offset after a record list: what to commit once it is handled. */
const endOffsetOf = <R extends PolicyRecord>(records: readonly R[]): string => {
  const last = records[records.length - 1];
  if (last === undefined) throw new RangeError('a batch has at least one record');
  return nextOffset(last.offset);
};

/** Starts the run of one batch (records of one partition in offset order). */
export function startBatch<R extends PolicyRecord>(
  records: readonly R[],
  policy: FailurePolicy,
): BatchRun<R> {
  if (records.length === 0) return { policy, segments: [] };
  return {
    policy,
    segments: [{ records, endOffset: endOffsetOf(records), retries: 0, invocations: 0, exhausted: false }],
  };
}

/** Delay before retry `retries` (1-based): base * 2^(retries-1), capped. */
export const retryDelayMs = (policy: FailurePolicy, retries: number): number =>
  retries <= 0 ? 0 : Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs * 2 ** (retries - 1));

const isExpired = (policy: FailurePolicy, record: PolicyRecord, nowMs: number): boolean =>
  policy.maximumRecordAgeSeconds >= 0 &&
  nowMs - Number(record.timestamp) > policy.maximumRecordAgeSeconds * 1000;

/** What to do next, and the run after deciding it. */
export function nextBatchAction<R extends PolicyRecord>(
  run: BatchRun<R>,
  nowMs: number,
): { readonly action: BatchAction<R>; readonly run: BatchRun<R> } {
  if (run.pendingCommit !== undefined) {
    return {
      action: { type: 'commit', offset: run.pendingCommit },
      run: { ...run, pendingCommit: undefined },
    };
  }
  const [head, ...rest] = run.segments;
  if (head === undefined) return { action: { type: 'done' }, run };
  if (head.exhausted) {
    return {
      action: {
        type: 'dead-letter',
        records: head.records,
        condition: FailureCondition.retriesExhausted,
        approximateInvokeCount: head.invocations,
      },
      run: { ...run, segments: rest, pendingCommit: head.endOffset },
    };
  }
  const expired = head.records.filter((record) => isExpired(run.policy, record, nowMs));
  if (expired.length > 0) {
    const live = head.records.filter((record) => !isExpired(run.policy, record, nowMs));
    const segments = live.length > 0 ? [{ ...head, records: live }, ...rest] : rest;
    return {
      action: {
        type: 'dead-letter',
        records: expired,
        condition: FailureCondition.recordAgeExceeded,
        approximateInvokeCount: head.invocations,
      },
      run: { ...run, segments, ...(live.length === 0 ? { pendingCommit: head.endOffset } : {}) },
    };
  }
  return {
    action: {
      type: 'invoke',
      records: head.records,
      delayMs: retryDelayMs(run.policy, head.retries),
      attempt: head.retries + 1,
    },
    run,
  };
}

/** The run after a function error on its head segment. */
function failed<R extends PolicyRecord>(
  run: BatchRun<R>,
  head: Segment<R>,
  rest: readonly Segment<R>[],
): BatchRun<R> {
  const { policy } = run;
  if (policy.bisectBatchOnFunctionError && head.records.length > 1) {
    const middle = Math.ceil(head.records.length / 2);
    const first = head.records.slice(0, middle);
    const second = head.records.slice(middle);
    return {
      ...run,
      segments: [
        { ...head, records: first, endOffset: endOffsetOf(first) },
        { ...head, records: second },
        ...rest,
      ],
    };
  }
  const outOfRetries = policy.maximumRetryAttempts >= 0 && head.retries >= policy.maximumRetryAttempts;
  return {
    ...run,
    segments: [outOfRetries ? { ...head, exhausted: true } : { ...head, retries: head.retries + 1 }, ...rest],
  };
}

/** The run after an invocation of its head segment ended with `outcome`. */
export function afterInvocation<R extends PolicyRecord>(
  run: BatchRun<R>,
  outcome: InvocationOutcome,
): BatchRun<R> {
  const [current, ...rest] = run.segments;
  if (current === undefined) throw new RangeError('no invocation is in progress');
  const head = { ...current, invocations: current.invocations + 1 };
  switch (outcome.type) {
    case 'success':
      return { ...run, segments: rest, pendingCommit: head.endOffset };
    case 'partial': {
      const index = run.policy.reportBatchItemFailures
        ? head.records.findIndex((record) => record.offset === outcome.failedOffset)
        : -1;
      // Partial responses off, or an offset not in the batch: the whole batch failed, as in Lambda.
      if (index <= 0) return failed(run, head, rest);
      const remainder = { ...head, records: head.records.slice(index) };
      return { ...failed(run, remainder, rest), pendingCommit: outcome.failedOffset };
    }
    case 'error':
      return failed(run, head, rest);
    default: {
      const unexpected: never = outcome;
      throw new RangeError(`unknown outcome ${JSON.stringify(unexpected)}`);
    }
  }
}

/**
 * Whether a record of `size` bytes starts the next batch after one of `count` records and `bytes`:
 * the batch is full, or the record would take it past `maxBytes` (a record larger than the limit
 * still travels, alone).
 */
export const startsNextBatch = (
  count: number,
  bytes: number,
  size: number,
  batchSize: number,
  maxBytes: number,
): boolean => count > 0 && (count >= batchSize || bytes + size > maxBytes);

/**
 * The batching window (MaximumBatchingWindowInSeconds): how long to wait for more records before
 * invoking a batch that is not full; 0 means invoke now. Like Lambda, a batch goes as soon as it
 * reaches the batch size or the payload limit, or once the window, counted from when its first
 * record was read, has passed.
 */
export function batchingWaitMs(batch: {
  readonly records: number;
  readonly bytes: number;
  readonly batchSize: number;
  readonly maxBytes: number;
  readonly windowMs: number;
  readonly firstReadAt: number;
  readonly now: number;
}): number {
  if (batch.records >= batch.batchSize || batch.bytes >= batch.maxBytes) return 0;
  return Math.max(0, batch.firstReadAt + batch.windowMs - batch.now);
}
