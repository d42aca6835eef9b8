import { SUITE_ORDER_VARIABLE } from './constants';

// jest.sequencer.js is plain JavaScript (jest loads it untransformed).
const BillingSuiteSequencer = require('../../jest.sequencer.js') as new (options: {
  contexts: unknown[];
  globalConfig: { runInBand: boolean; maxWorkers: number };
}) => { sort(tests: FakeTest[]): Promise<FakeTest[]> };

interface FakeTest {
  readonly path: string;
  readonly context: { readonly config: { readonly cache: boolean }; readonly hasteFS: unknown };
  duration?: number;
}

const CHECK = '/repo/local/suite/billing-topics-untouched.integration.test.ts';

/** A test file as jest hands it to a sequencer, of `size` bytes (no timings cached). */
const testOf = (path: string, size: number): FakeTest => ({
  path,
  context: { config: { cache: false }, hasteFS: { getSize: () => size } },
});

describe('the test sequencer', () => {
  const saved = process.env[SUITE_ORDER_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[SUITE_ORDER_VARIABLE];
    else process.env[SUITE_ORDER_VARIABLE] = saved;
  });

  it("runs the billing topics' check last, the others in jest's order, and tells the check", async () => {
    // Prepare: the check is the largest file, which jest's own order would run first
    const sequencer = new BillingSuiteSequencer({
      contexts: [],
      globalConfig: { runInBand: true, maxWorkers: 2 },
    });
    const tests = [testOf('/repo/a.test.ts', 10), testOf(CHECK, 1_000), testOf('/repo/b.test.ts', 500)];

    // Act
    const sorted = await sequencer.sort(tests);

    // Assess
    expect(sorted.map((test) => test.path)).toEqual(['/repo/b.test.ts', '/repo/a.test.ts', CHECK]);
    expect(JSON.parse(process.env[SUITE_ORDER_VARIABLE] ?? 'null')).toEqual({ filesBefore: 2, inBand: true });
  });

  it('tells the check when files may run in parallel, and when it runs alone', async () => {
    // Act
    await new BillingSuiteSequencer({ contexts: [], globalConfig: { runInBand: false, maxWorkers: 4 } }).sort(
      [testOf(CHECK, 1)],
    );

    // Assess
    expect(JSON.parse(process.env[SUITE_ORDER_VARIABLE] ?? 'null')).toEqual({
      filesBefore: 0,
      inBand: false,
    });
  });

  it('says nothing when the check is not in the run', async () => {
    // Prepare
    delete process.env[SUITE_ORDER_VARIABLE];

    // Act
    await new BillingSuiteSequencer({ contexts: [], globalConfig: { runInBand: true, maxWorkers: 1 } }).sort([
      testOf('/repo/a.test.ts', 1),
    ]);

    // Assess
    expect(process.env[SUITE_ORDER_VARIABLE]).toBeUndefined();
  });
});
