import { FailureCondition } from './constants';
import {
  afterInvocation,
  type BatchRun,
  batchingWaitMs,
  nextBatchAction,
  retryDelayMs,
  startBatch,
  startsNextBatch,
} from './policy';
import type { BatchAction, FailurePolicy, InvocationOutcome, PolicyRecord } from './types';

const NOW = Date.UTC(2026, 10, 27, 9, 0, 0);
const policyOf = (overrides: Partial<FailurePolicy> = {}): FailurePolicy => ({
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1_000,
  ...overrides,
});
const recordsAt = (...offsets: number[]): PolicyRecord[] =>
  offsets.map((offset) => ({ offset: String(offset), timestamp: NOW - 1_000 }));

/**
 * Runs a batch to the end against a function that answers with `respond`, and lists what the
 * emulator did: invocations (offsets), commits and dead letters.
 */
function drive(
  records: readonly PolicyRecord[],
  policy: FailurePolicy,
  respond: (records: readonly PolicyRecord[]) => InvocationOutcome,
  nowMs = NOW,
): string[] {
  const log: string[] = [];
  let run: BatchRun<PolicyRecord> = startBatch(records, policy);
  for (let step = 0; step < 1_000; step += 1) {
    const next = nextBatchAction(run, nowMs);
    run = next.run;
    const action: BatchAction<PolicyRecord> = next.action;
    const offsets = (list: readonly PolicyRecord[]) => list.map((record) => record.offset).join(',');
    switch (action.type) {
      case 'done':
        return log;
      case 'commit':
        log.push(`commit ${action.offset}`);
        break;
      case 'dead-letter':
        log.push(
          `dead-letter ${offsets(action.records)} ${action.condition} after ${action.approximateInvokeCount}`,
        );
        break;
      case 'invoke': {
        log.push(`invoke ${offsets(action.records)}`);
        run = afterInvocation(run, respond(action.records));
        break;
      }
    }
  }
  throw new Error('the batch did not finish');
}

const ok = (): InvocationOutcome => ({ type: 'success' });
const error = (): InvocationOutcome => ({ type: 'error', message: 'boom' });
const failingOn =
  (badOffset: string) =>
  (records: readonly PolicyRecord[]): InvocationOutcome =>
    records.some((record) => record.offset === badOffset) ? error() : ok();

describe('the retry policy of a partition batch', () => {
  it('invokes once and commits the offset after the batch on success', () => {
    expect(drive(recordsAt(5, 6, 7), policyOf(), ok)).toEqual(['invoke 5,6,7', 'commit 8']);
  });

  it('retries a failing batch up to MaximumRetryAttempts, then sends it on and commits past it', () => {
    expect(drive(recordsAt(5, 6), policyOf({ maximumRetryAttempts: 2 }), error)).toEqual([
      'invoke 5,6',
      'invoke 5,6',
      'invoke 5,6',
      `dead-letter 5,6 ${FailureCondition.retriesExhausted} after 3`,
      'commit 7',
    ]);
  });

  it('backs off exponentially between retries, up to the cap', () => {
    const policy = policyOf({ maximumRetryAttempts: 10 });
    expect([0, 1, 2, 3, 4, 5].map((retries) => retryDelayMs(policy, retries))).toEqual([
      0, 100, 200, 400, 800, 1_000,
    ]);
    // Given a batch that failed once, when asked what next, then it is invoked again after the delay
    const run = afterInvocation(startBatch(recordsAt(1), policy), error());
    expect(nextBatchAction(run, NOW).action).toMatchObject({ type: 'invoke', delayMs: 100, attempt: 2 });
  });

  it('retries without end when MaximumRetryAttempts is -1, and succeeds once the function recovers', () => {
    let calls = 0;
    const log = drive(recordsAt(1), policyOf({ maximumRetryAttempts: -1 }), () =>
      ++calls < 50 ? error() : ok(),
    );
    expect(log.filter((line) => line.startsWith('invoke'))).toHaveLength(50);
    expect(log.at(-1)).toBe('commit 2');
  });

  it('bisects to isolate the failing record; the records around it are applied in order', () => {
    const log = drive(
      recordsAt(0, 1, 2, 3),
      policyOf({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 }),
      failingOn('2'),
    );
    expect(log).toEqual([
      'invoke 0,1,2,3',
      'invoke 0,1',
      'commit 2',
      'invoke 2,3',
      'invoke 2',
      'invoke 2',
      `dead-letter 2 ${FailureCondition.retriesExhausted} after 4`,
      'commit 3',
      'invoke 3',
      'commit 4',
    ]);
  });

  it('commits the records before the first failure of a partial batch response and retries the rest', () => {
    let first = true;
    const respond = (): InvocationOutcome => {
      if (!first) return ok();
      first = false;
      return { type: 'partial', failedOffset: '12' };
    };
    expect(drive(recordsAt(10, 11, 12, 13), policyOf({ reportBatchItemFailures: true }), respond)).toEqual([
      'invoke 10,11,12,13',
      'commit 12',
      'invoke 12,13',
      'commit 14',
    ]);
  });

  it('treats a partial batch response as a failure of the whole batch when partial responses are off', () => {
    let first = true;
    const respond = (): InvocationOutcome => {
      if (!first) return ok();
      first = false;
      return { type: 'partial', failedOffset: '12' };
    };
    expect(drive(recordsAt(10, 11, 12), policyOf(), respond)).toEqual([
      'invoke 10,11,12',
      'invoke 10,11,12',
      'commit 13',
    ]);
  });

  it('sends records older than MaximumRecordAgeInSeconds on without invoking them', () => {
    const records = [
      { offset: '1', timestamp: NOW - 120_000 },
      { offset: '2', timestamp: NOW - 1_000 },
    ];
    expect(drive(records, policyOf({ maximumRecordAgeSeconds: 60 }), ok)).toEqual([
      `dead-letter 1 ${FailureCondition.recordAgeExceeded} after 0`,
      'invoke 2',
      'commit 3',
    ]);
  });

  it('never expires records when MaximumRecordAgeInSeconds is -1', () => {
    const records = [{ offset: '1', timestamp: 0 }];
    expect(drive(records, policyOf({ maximumRecordAgeSeconds: -1 }), ok)).toEqual(['invoke 1', 'commit 2']);
  });
});

describe('startsNextBatch', () => {
  it('cuts at the batch size and at the payload limit; a record past the limit travels alone', () => {
    expect(startsNextBatch(2, 2, 1, 2, 100)).toBe(true);
    expect(startsNextBatch(1, 1, 1, 2, 100)).toBe(false);
    expect(startsNextBatch(2, 80, 40, 10, 100)).toBe(true);
    expect(startsNextBatch(1, 40, 40, 10, 100)).toBe(false);
    expect(startsNextBatch(0, 0, 400, 10, 100)).toBe(false);
    expect(startsNextBatch(1, 400, 1, 10, 100)).toBe(true);
  });
});

describe('batchingWaitMs (the batching window)', () => {
  const batch = {
    records: 3,
    bytes: 300,
    batchSize: 100,
    maxBytes: 1_000,
    windowMs: 1_000,
    firstReadAt: 5_000,
  };

  it('waits for more records until the window, counted from the first record read, has passed', () => {
    expect(batchingWaitMs({ ...batch, now: 5_000 })).toBe(1_000);
    expect(batchingWaitMs({ ...batch, now: 5_600 })).toBe(400);
    expect(batchingWaitMs({ ...batch, now: 6_000 })).toBe(0);
    expect(batchingWaitMs({ ...batch, now: 9_000 })).toBe(0);
  });

  it('invokes at once a batch that is full by count or by payload size, or when there is no window', () => {
    expect(batchingWaitMs({ ...batch, records: 100, now: 5_000 })).toBe(0);
    expect(batchingWaitMs({ ...batch, bytes: 1_000, now: 5_000 })).toBe(0);
    expect(batchingWaitMs({ ...batch, windowMs: 0, now: 5_000 })).toBe(0);
  });
});

describe('failedOffsetOf (partial batch responses)', () => {
  it('reads the lowest failed offset, and fails the whole batch on an identifier that is no offset', async () => {
    const { failedOffsetOf } = await import('./invoke');
    expect(failedOffsetOf({ batchItemFailures: [] })).toBeUndefined();
    expect(failedOffsetOf(null)).toBeUndefined();
    expect(
      failedOffsetOf({ batchItemFailures: [{ itemIdentifier: '12' }, { itemIdentifier: { offset: 7 } }] }),
    ).toBe('7');
    expect(failedOffsetOf({ batchItemFailures: [{ itemIdentifier: 'abc' }] })).toBe('-1');
  });
});
