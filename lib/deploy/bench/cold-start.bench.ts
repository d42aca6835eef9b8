/**
 * Cold start of every function bundle: `sls package --stage example` (as `npm run bundles:check`
 * does), each function's zip unzipped into a temporary directory, then, `runs` times per bundle,
 * a fresh Node process that requires the bundled handler (lib/deploy/bench/cold-start-child.cjs).
 * Each load is timed twice: the module's evaluation alone (performance.now() around require(),
 * inside the child) and from spawn to the child's "ready" line (seen from here), so that Node's own
 * startup shows apart; a bare `node -e ''` is timed beside them as the machine's floor. Runs go
 * round-robin over the bundles after one untimed load of each; one process at a time.
 *
 * The child gets the function's deployed environment (from the packaged template, `NODE_OPTIONS`
 * included), the variables Lambda sets, and local connection settings on a closed port: nothing
 * must connect at load, and every attempt is reported. The AWS SDK is not in the bundles (the
 * runtime provides it): the child resolves `@aws-sdk/*` from this project's node_modules through
 * NODE_PATH, as the runtime's own copy would be found, and nothing else.
 *
 *   npm run bench:cold-start -- [--no-package] [--dir .serverless] [--runs 5] [--node path]
 *                               [--only accountProjector,billingApi] [--keep]
 *
 * The Lambda runtime is Node 22: run it with Node 22 first on PATH, or `--node` (docs/testing.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  COLD_START_GOAL_MS,
  COLD_START_RUNS,
  type ColdStartRow,
  coldStartEnvironment,
  formatColdStartTable,
  type PackagedFunction,
  packagedFunctions,
  percentile,
  withinGoal,
} from '../cold-start';
import { readZip } from '../zip';

const ROOT = join(__dirname, '..', '..', '..');
const CHILD = join(__dirname, 'cold-start-child.cjs');
/** A load that takes longer than this has hung: the child is killed and the run fails. */
const LOAD_TIMEOUT_MS = 30_000;

interface Options {
  readonly packageFirst: boolean;
  readonly dir: string;
  readonly runs: number;
  readonly node: string;
  readonly only: readonly string[];
  readonly keep: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  return {
    packageFirst: !argv.includes('--no-package'),
    dir: value('--dir') ?? join(ROOT, '.serverless'),
    runs: Number(value('--runs') ?? COLD_START_RUNS),
    node: value('--node') ?? 'node',
    only: (value('--only') ?? '').split(',').filter((name) => name !== ''),
    keep: argv.includes('--keep'),
  };
}

/** What the child reported for one load. */
interface Load {
  readonly readyMs: number;
  readonly evaluationMs: number;
  readonly startupMs: number;
  readonly handles: readonly string[];
  readonly connects: readonly string[];
}

interface ChildLine {
  readonly phase: 'ready' | 'settled';
  readonly ready?: boolean;
  readonly startupMs?: number;
  readonly evaluationMs?: number;
  readonly handles?: string[];
  readonly failure?: string;
  readonly connects?: string[];
}

/** A line of the child's protocol; undefined for anything else the module wrote on stdout. */
function childLine(text: string): ChildLine | undefined {
  try {
    const line = JSON.parse(text) as ChildLine;
    return line.phase === 'ready' || line.phase === 'settled' ? line : undefined;
  } catch {
    return undefined;
  }
}

/** Spawns a fresh Node process that requires the handler; resolves when it has exited. */
function timedLoad(
  node: string,
  taskRoot: string,
  fn: PackagedFunction,
  env: Record<string, string>,
): Promise<Load> {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    const child = spawn(node, [CHILD, join(taskRoot, fn.handlerFile), fn.exportName], {
      cwd: taskRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), LOAD_TIMEOUT_MS);
    let readyMs = Number.NaN;
    let out = '';
    let err = '';
    const lines: ChildLine[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      let newline = out.indexOf('\n');
      while (newline >= 0) {
        const line = childLine(out.slice(0, newline));
        if (line?.phase === 'ready') readyMs = performance.now() - spawnedAt;
        if (line) lines.push(line);
        out = out.slice(newline + 1);
        newline = out.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ready = lines.find((line) => line.phase === 'ready');
      const settled = lines.find((line) => line.phase === 'settled');
      if (!ready?.ready) {
        reject(
          new Error(
            `${fn.name}: the handler did not load (exit ${code ?? signal}): ${ready?.failure ?? `export ${fn.exportName} is not a function`}\n${err}`,
          ),
        );
        return;
      }
      resolve({
        readyMs,
        evaluationMs: ready.evaluationMs ?? Number.NaN,
        startupMs: ready.startupMs ?? Number.NaN,
        handles: ready.handles ?? [],
        connects: settled?.connects ?? [],
      });
    });
  });
}

/** A bare `node -e ''`, from spawn to exit: the machine's floor for any process. */
function bareNode(node: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    const child = spawn(node, ['-e', ''], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - spawnedAt));
  });
}

/** Writes a zip's files under a directory; returns their total size. */
function unzipInto(zip: string, dir: string): number {
  let bytes = 0;
  for (const [name, data] of readZip(zip)) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
    bytes += data.length;
  }
  return bytes;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.packageFirst) {
    const packaged = spawnSync(join(ROOT, 'node_modules', '.bin', 'sls'), ['package', '--stage', 'example'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (packaged.status !== 0) throw new Error('sls package --stage example failed');
  }
  const template = JSON.parse(
    readFileSync(join(options.dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  const functions = packagedFunctions(template).filter(
    (fn) => options.only.length === 0 || options.only.includes(fn.name),
  );
  if (functions.length === 0) throw new Error(`No function to load in ${options.dir}`);
  const version = spawnSync(options.node, ['--version'], { encoding: 'utf8' }).stdout.trim();

  const work = mkdtempSync(join(tmpdir(), 'billing-cold-start-'));
  try {
    // The runtime's SDK: @aws-sdk alone, found through NODE_PATH (its own dependencies resolve
    // from its real path, in this project's node_modules).
    const runtimeModules = join(work, 'runtime', 'node_modules');
    mkdirSync(runtimeModules, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', '@aws-sdk'), join(runtimeModules, '@aws-sdk'), 'dir');

    const bundles = functions.map((fn) => {
      const zip = join(options.dir, `${fn.name}.zip`);
      const taskRoot = join(work, fn.name);
      const unzippedBytes = unzipInto(zip, taskRoot);
      const env = coldStartEnvironment(
        fn,
        { PATH: process.env.PATH, HOME: process.env.HOME },
        { NODE_PATH: runtimeModules, LAMBDA_TASK_ROOT: taskRoot },
      );
      return {
        fn,
        taskRoot,
        env,
        zipBytes: statSync(zip).size,
        unzippedBytes,
        handlerBytes: statSync(join(taskRoot, fn.handlerFile)).size,
        loads: [] as Load[],
      };
    });

    const load = [1, 5, 15].map((minutes, i) => `${(loadavg()[i] ?? 0).toFixed(1)} (${minutes} min)`);
    console.log(
      `cold start: ${version} (${options.node}), ${cpus().length} cores, load average ${load.join(', ')}`,
    );
    console.log(
      `${options.runs} fresh processes per bundle, round-robin after one untimed load each; goal < ${COLD_START_GOAL_MS} ms from spawn to ready`,
    );
    if (!version.startsWith('v22.')) {
      console.log(`note: the Lambda runtime is Node 22 (nodejs22.x); this is ${version}`);
    }

    for (const bundle of bundles) await timedLoad(options.node, bundle.taskRoot, bundle.fn, bundle.env);
    await bareNode(options.node);
    const floor: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      floor.push(await bareNode(options.node));
      for (const bundle of bundles) {
        bundle.loads.push(await timedLoad(options.node, bundle.taskRoot, bundle.fn, bundle.env));
      }
    }

    const rows: ColdStartRow[] = bundles.map((bundle) => ({
      name: bundle.fn.name,
      zipBytes: bundle.zipBytes,
      unzippedBytes: bundle.unzippedBytes,
      handlerBytes: bundle.handlerBytes,
      evaluationMs: bundle.loads.map((timed) => timed.evaluationMs),
      readyMs: bundle.loads.map((timed) => timed.readyMs),
    }));
    console.log('');
    console.log(formatColdStartTable(rows, floor));
    console.log('');
    const startup = bundles.flatMap((bundle) => bundle.loads.map((timed) => timed.startupMs));
    console.log(
      `Node's startup inside the children (time origin to the child script, NODE_OPTIONS of the template): p50 ${percentile(startup, 50).toFixed(0)} ms, max ${Math.max(...startup).toFixed(0)} ms`,
    );
    for (const bundle of bundles) {
      const connects = [...new Set(bundle.loads.flatMap((timed) => timed.connects))];
      const handles = [...new Set(bundle.loads.flatMap((timed) => timed.handles))];
      if (connects.length > 0) console.log(`${bundle.fn.name}: CONNECTS AT LOAD to ${connects.join(', ')}`);
      if (handles.length > 0) console.log(`${bundle.fn.name}: leaves open at load: ${handles.join(', ')}`);
    }
    if (bundles.every((bundle) => bundle.loads.every((timed) => timed.connects.length === 0))) {
      console.log('No bundle connects to anything at load.');
    }
    const over = rows.filter((row) => !withinGoal(row));
    console.log(
      over.length === 0
        ? `Every bundle is ready within ${COLD_START_GOAL_MS} ms (p50).`
        : `Over the goal (p50 >= ${COLD_START_GOAL_MS} ms): ${over.map((row) => row.name).join(', ')}`,
    );
    if (options.keep) console.log(`Unzipped bundles kept in ${work}`);
  } finally {
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
