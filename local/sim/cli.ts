/**
 * `npm run sim`: the seeded simulation of the real handlers under faults (docs/simulation.md).
 *
 *   npm run sim -- --seeds 5 --steps 2000            seeds 1..5, 2,000 steps each
 *   npm run sim -- --seed 7 --steps 1200             one seed (replays a failure)
 *   npm run sim -- --seed 7 --steps 1200 --faults poison,database
 *   npm run sim -- --seeds 100 --steps 10000 --jobs 3   three seeds at once
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REBUILD_MODES, RebuildMode } from './rebuild';
import { ALL_FAULTS, type FaultKind, type SimulationResult, simulate } from './simulation';

export interface CliOptions {
  readonly seeds: readonly number[];
  readonly steps: number;
  readonly faults: readonly FaultKind[];
  readonly shrink: boolean;
  /** Write every seed's trace to a file, not only a failing one's. */
  readonly trace: boolean;
  /** Stop at the first seed that breaks something. */
  readonly failFast: boolean;
  /** Seeds run at once (each its own database); 1 runs them one after another. */
  readonly jobs: number;
  /**
   * How the rebuild after the drain folds the log: `facts` (the default, as `npm run rebuild`), or
   * `redecide`, the deciding projectors again (the old way, which the invariant must catch). Hidden
   * from the usage: it is for showing that, not for use.
   */
  readonly rebuildBy: RebuildMode;
}

export const USAGE = `usage: npm run sim -- [--seeds N | --seed S] [--first-seed S] [--steps M] [--faults a,b | --without a,b] [--no-shrink] [--trace] [--fail-fast] [--jobs N]
faults: ${ALL_FAULTS.join(', ')}`;

/** Parses the command line; throws with the usage on anything unknown. */
export function parseArgs(argv: readonly string[]): CliOptions {
  let count = 1;
  let first = 1;
  let single: number | undefined;
  let steps = 1_000;
  let faults: FaultKind[] = [...ALL_FAULTS];
  let shrink = true;
  let trace = false;
  let failFast = false;
  let jobs = 1;
  let rebuildBy: RebuildMode = RebuildMode.facts;
  const faultList = (text: string | undefined): FaultKind[] => {
    const names = (text ?? '').split(',').filter((name) => name !== '');
    const unknown = names.filter((name) => !(ALL_FAULTS as readonly string[]).includes(name));
    if (unknown.length > 0) throw new Error(`unknown fault kind(s): ${unknown.join(', ')}\n${USAGE}`);
    return names as FaultKind[];
  };
  const integer = (flag: string, text: string | undefined): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${flag} needs a whole number, got ${text}\n${USAGE}`);
    return value;
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    switch (flag) {
      case '--seeds':
        count = integer(flag, value);
        index++;
        break;
      case '--first-seed':
        first = integer(flag, value);
        index++;
        break;
      case '--seed':
        single = integer(flag, value);
        index++;
        break;
      case '--steps':
        steps = integer(flag, value);
        index++;
        break;
      case '--faults':
        faults = value === 'none' ? [] : faultList(value);
        index++;
        break;
      case '--without': {
        const dropped = faultList(value);
        faults = faults.filter((fault) => !dropped.includes(fault));
        index++;
        break;
      }
      case '--no-shrink':
        shrink = false;
        break;
      case '--trace':
        trace = true;
        break;
      case '--fail-fast':
        failFast = true;
        break;
      case '--jobs':
        jobs = integer(flag, value);
        if (jobs < 1) throw new Error(`--jobs needs at least 1, got ${value}\n${USAGE}`);
        index++;
        break;
      case '--rebuild-by':
        if (!(REBUILD_MODES as readonly (string | undefined)[]).includes(value))
          throw new Error(`--rebuild-by takes ${REBUILD_MODES.join(' or ')}, got ${value}\n${USAGE}`);
        rebuildBy = value as RebuildMode;
        index++;
        break;
      default:
        throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => first + i);
  return { seeds, steps, faults, shrink, trace, failFast, jobs, rebuildBy };
}

/** The command that replays a run. */
export const replayCommand = (
  seed: number,
  steps: number,
  faults: readonly FaultKind[],
  rebuildBy: RebuildMode = RebuildMode.facts,
): string =>
  `npm run sim -- --seed ${seed} --steps ${steps}${
    faults.length === ALL_FAULTS.length ? '' : ` --faults ${faults.length === 0 ? 'none' : faults.join(',')}`
  }${rebuildBy === RebuildMode.facts ? '' : ` --rebuild-by ${rebuildBy}`}`;

const sameViolation = (a: SimulationResult, b: SimulationResult) =>
  b.violation !== undefined && b.violation.invariant === a.violation?.invariant;

/**
 * The shortest run that still fails the same invariant: fewer steps first (the trace of a seed is
 * a prefix of the longer one's), then without each fault kind in turn. Bounded by `attempts` runs.
 */
export async function shrink(
  failed: SimulationResult,
  log: (line: string) => void,
  attempts = 12,
  rebuildBy: RebuildMode = RebuildMode.facts,
): Promise<SimulationResult> {
  let best = failed;
  let tries = 0;
  const attempt = async (steps: number, faults: readonly FaultKind[]) => {
    tries += 1;
    const result = await simulate({ seed: failed.seed, steps, faults: new Set(faults), rebuildBy });
    log(
      `  shrink: ${replayCommand(failed.seed, steps, faults, rebuildBy)} -> ${result.violation ? result.violation.invariant : 'clean'}`,
    );
    return result;
  };
  const violationStep = failed.violation?.step ?? failed.steps;
  if (violationStep <= failed.steps && violationStep < failed.steps) {
    const result = await attempt(violationStep, best.faults);
    if (sameViolation(failed, result)) best = result;
  }
  // A liveness failure: halve the steps while the same invariant still fails.
  let steps = Math.floor(best.steps / 2);
  while (steps >= 10 && tries < attempts / 2) {
    const result = await attempt(steps, best.faults);
    if (!sameViolation(failed, result)) break;
    best = result;
    if (result.violation && result.violation.step <= result.steps && result.violation.step < steps) {
      const exact = await attempt(result.violation.step, result.faults);
      if (sameViolation(failed, exact)) best = exact;
    }
    steps = Math.floor(best.steps / 2);
  }
  for (const fault of failed.faults) {
    if (tries >= attempts) break;
    if (!best.faults.includes(fault)) continue;
    const without = best.faults.filter((kind) => kind !== fault);
    const result = await attempt(best.steps, without);
    if (sameViolation(failed, result)) best = result;
  }
  return best;
}

const rate = (steps: number, ms: number) => (ms > 0 ? Math.round((steps * 1000) / ms) : 0);

/** Whether the command line asks for the usage (`--help`, `-h`), which is printed with exit code 0. */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');

export async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (wantsHelp(argv)) {
    out(USAGE);
    return 0;
  }
  const options = parseArgs(argv);
  const started = Date.now();
  let totalSteps = 0;
  let totalRecords = 0;
  let totalInvocations = 0;
  let totalFaults = 0;
  const failures: SimulationResult[] = [];
  out(
    `simulation: ${options.seeds.length} seed(s) from ${options.seeds[0]}, ${options.steps} steps each, ${options.jobs} at once, faults: ${options.faults.join(', ') || 'none'}${options.rebuildBy === RebuildMode.facts ? '' : `, rebuild by ${options.rebuildBy}`}`,
  );
  let stopped = false;
  const runSeed = async (seed: number): Promise<void> => {
    const result = await simulate({
      seed,
      steps: options.steps,
      faults: new Set(options.faults),
      rebuildBy: options.rebuildBy,
      progressEvery: 2_000,
      onProgress: ({ step, stats }) =>
        out(
          `  seed ${seed}: step ${step}/${options.steps}, ${stats.records} records, ${stats.invocations} invocations`,
        ),
    });
    totalSteps += result.stats.steps;
    totalRecords += result.stats.records;
    totalInvocations += result.stats.invocations;
    totalFaults += result.stats.faultsInjected;
    const elapsed = Date.now() - started;
    out(
      `seed ${seed}: ${result.violation ? `VIOLATION at step ${result.violation.step}: ${result.violation.invariant}` : 'clean'} (${result.stats.steps} steps, ${result.stats.invocations} invocations, ${result.stats.faultsInjected} faults, ${result.stats.letters} letters, ${(result.durationMs / 1000).toFixed(1)} s, checks ${(result.stats.checkMs / 1000).toFixed(1)} s, rebuild ${(result.stats.rebuildMs / 1000).toFixed(1)} s; total ${totalSteps} steps, ${rate(totalSteps, elapsed)} steps/s)`,
    );
    if (options.trace && !result.violation) {
      const file = join(tmpdir(), `billing-sim-seed-${seed}-steps-${result.steps}.trace`);
      writeFileSync(file, `${result.trace.join('\n')}\n`);
      out(`  trace: ${file}`);
    }
    if (result.violation) {
      failures.push(result);
      if (options.failFast) stopped = true;
      const best = options.shrink ? await shrink(result, out, 12, options.rebuildBy) : result;
      const violation = best.violation ?? result.violation;
      const file = join(tmpdir(), `billing-sim-seed-${seed}-steps-${best.steps}.trace`);
      writeFileSync(file, `${best.trace.join('\n')}\n`);
      // One block, so that seeds running at once do not interleave their reports.
      out(
        [
          `  seed:      ${seed}`,
          `  step:      ${violation.step > best.steps ? `after the drain (${best.steps} steps)` : violation.step}`,
          `  invariant: ${violation.invariant}`,
          `  detail:    ${violation.detail}`,
          `  trace (last 25 of ${best.trace.length} lines; all in ${file}):`,
          ...best.trace.slice(-25).map((line) => `    ${line}`),
          `  replay:    ${replayCommand(seed, best.steps, best.faults, options.rebuildBy)}`,
        ].join('\n'),
      );
    }
  };
  // `jobs` workers take the seeds in order; each seed has its own database and its own clock.
  const queue = [...options.seeds];
  const worker = async (): Promise<void> => {
    for (let seed = queue.shift(); seed !== undefined && !stopped; seed = queue.shift()) await runSeed(seed);
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, options.seeds.length) }, worker));
  const wall = Date.now() - started;
  out(`seeds: ${options.seeds.length}`);
  out(`steps: ${totalSteps}`);
  out(`records: ${totalRecords}`);
  out(`invocations: ${totalInvocations}`);
  out(`faults injected: ${totalFaults}`);
  out(`wall time: ${(wall / 1000).toFixed(1)} s`);
  out(`steps/s: ${rate(totalSteps, wall)}`);
  out(
    `violations: ${failures.length}${failures.length > 0 ? ` (seeds ${failures.map((f) => f.seed).join(', ')})` : ''}`,
  );
  return failures.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sim: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
