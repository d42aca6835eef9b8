import { replayCommand } from './cli';
import { CI_SEEDS, CI_STEPS } from './constants';
import { ALL_FAULTS, FaultKind, type SimulationResult, simulate } from './simulation';

// The simulation's CI budget (docs/simulation.md): a few seeds under every fault, the invariants
// after every step, then the drain, the liveness checks and the rebuild from the log compared with
// the live read model (local/sim/rebuild.ts). A failure prints the replay command.

const report = (result: SimulationResult): string | undefined =>
  result.violation &&
  [
    `${result.violation.invariant}: ${result.violation.detail}`,
    `at step ${result.violation.step}; replay: ${replayCommand(result.seed, result.steps, result.faults)}`,
    ...result.trace.slice(-15),
  ].join('\n');

describe('simulation of the real handlers under faults (CI budget)', () => {
  it.each(CI_SEEDS)(
    `seed %i: ${CI_STEPS} steps, every fault, no invariant broken, everything settles, the rebuild equals`,
    async (seed) => {
      // Act
      const result = await simulate({ seed, steps: CI_STEPS, faults: new Set(ALL_FAULTS) });

      // Assess
      expect(report(result)).toBeUndefined();
      expect(result.stats.steps).toBe(CI_STEPS);
      expect(result.stats.invocations).toBeGreaterThan(200);
      expect(result.stats.faultsInjected).toBeGreaterThan(100);
      expect(result.stats.letters).toBeGreaterThan(0);
      expect(result.stats.rebuildMs).toBeGreaterThan(0);
    },
    600_000,
  );

  it('replays a seed step for step (faults whose outcome is a race left out)', async () => {
    // Prepare: the faults whose interleaving is decided by PostgreSQL, not by the seed, are off.
    const racy: readonly FaultKind[] = [FaultKind.concurrent, FaultKind.leaseRace, FaultKind.database];
    const faults = new Set(ALL_FAULTS.filter((fault) => !racy.includes(fault)));

    // Act
    const first = await simulate({ seed: 42, steps: 300, faults });
    const second = await simulate({ seed: 42, steps: 300, faults });

    // Assess
    expect(second.trace).toEqual(first.trace);
    expect(first.trace.length).toBeGreaterThan(300);
  });
});
