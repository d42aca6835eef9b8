import { Liveness } from './invariants';
import { RebuildMode } from './rebuild';
import { simulate } from './simulation';

// After the drain, the simulation rebuilds the read model from its log under another interleaving
// and compares it with the live one (local/sim/rebuild.ts). A run without faults must rebuild
// equal; a difference put into either side must be reported, with the table, key and column.

describe('the rebuild invariant of the simulation', () => {
  const run = { seed: 42, steps: 200, faults: new Set<never>() };

  it('holds on a run without faults: the rebuild from the facts equals the live read model', async () => {
    // Act
    const result = await simulate(run);

    // Assess
    expect(result.violation).toBeUndefined();
    expect(result.trace.at(-1)).toMatch(/rebuild \(facts\): \d+ invocations, .*; 0 difference\(s\)/);
    expect(result.stats.rebuildMs).toBeGreaterThan(0);
  }, 120_000);

  it('reports a balance that differs between the rebuilt and the live read model', async () => {
    // Prepare: one rebuilt account gets a minor unit more just before the comparison.
    let corrupted = '';
    const beforeRebuildCompare = async (_live: unknown, rebuilt: import('pg').Pool) => {
      const { rows } = await rebuilt.query<{ account_id: string }>(
        `UPDATE accounts SET balance_minor = balance_minor + 1
          WHERE account_id = (SELECT min(account_id::text)::uuid FROM accounts) RETURNING account_id`,
      );
      corrupted = rows[0]?.account_id ?? '';
    };

    // Act
    const result = await simulate({ ...run, beforeRebuildCompare });

    // Assess
    expect(corrupted).not.toBe('');
    expect(result.violation?.invariant).toBe(Liveness.rebuildEqualsLive);
    expect(result.violation?.step).toBe(run.steps + 1);
    expect(result.violation?.detail).toContain('the read models differ: 1 difference');
    expect(result.violation?.detail).toMatch(
      new RegExp(`accounts ${corrupted}: balance_minor live (\\d+), rebuilt (\\d+)`),
    );
  }, 120_000);

  it('tells the old way of rebuilding apart: re-deciding the requests under another interleaving differs', async () => {
    // Act: a busier run (a suspended account, refunds, transfers racing), rebuilt by re-deciding.
    const result = await simulate({
      seed: 2,
      steps: 600,
      faults: new Set(),
      rebuildBy: RebuildMode.redecide,
    });

    // Assess
    expect(result.violation?.invariant).toBe(Liveness.rebuildEqualsLive);
    expect(result.violation?.detail).toMatch(/^rebuilt by redecide: accounts: /);
  }, 120_000);
});
