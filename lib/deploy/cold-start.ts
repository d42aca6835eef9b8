/**
 * The pure part of `npm run bench:cold-start` (lib/deploy/bench/cold-start.bench.ts): which
 * functions a packaged template holds and the environment each one loads with, the summary of
 * repeated timings, and the printed table. Nothing here spawns, reads files or measures.
 */

/** The cold-start goal on this project's 2-core machine: a fresh process has the handler ready within it. */
export const COLD_START_GOAL_MS = 300;

/** Timed loads per bundle, each in a fresh Node process. */
export const COLD_START_RUNS = 5;

/**
 * Local stand-ins for the connection settings that `sls offline` gives the functions: a closed
 * port on the loopback, so that a handler that connects at load fails at once, never reaching a
 * real server (the benchmark reports every connection attempt made at load).
 */
export const HARMLESS_CONNECTIONS: Readonly<Record<string, string>> = {
  DATABASE_URL: 'postgres://cold-start:cold-start@127.0.0.1:9/cold_start',
  KAFKA_BROKERS: '127.0.0.1:9',
};

/** Variables of the template that cannot apply here: the runtime's CA file exists only on Lambda. */
const LAMBDA_ONLY_VARIABLES = ['NODE_EXTRA_CA_CERTS'];

/** One function of a packaged template, as Lambda would load it. */
export interface PackagedFunction {
  /** The function's key in serverless.yml (`accountProjector`), also its zip's name. */
  readonly name: string;
  /** The handler's file inside the zip (`functions/account-projector.js`). */
  readonly handlerFile: string;
  /** The handler's export (`handler`). */
  readonly exportName: string;
  /** The function's environment, as deployed (string values only). */
  readonly environment: Readonly<Record<string, string>>;
  readonly memorySize: number | undefined;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: {
    readonly Handler?: unknown;
    readonly Code?: { readonly S3Key?: unknown };
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
    readonly MemorySize?: unknown;
  };
}

/**
 * The Lambda functions of a CloudFormation template written by `sls package`, by zip name. The
 * zip is the last segment of `Code.S3Key`; the handler `functions/x.handler` is the file
 * `functions/x.js` and its export `handler`. Sorted by name.
 */
export function packagedFunctions(template: {
  readonly Resources?: Record<string, TemplateResource>;
}): PackagedFunction[] {
  const functions: PackagedFunction[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const properties = resource.Properties ?? {};
    const key = properties.Code?.S3Key;
    const handler = properties.Handler;
    if (typeof key !== 'string' || typeof handler !== 'string') {
      throw new Error(`${id}: no S3Key or Handler: not a function packaged by sls package`);
    }
    const name = (key.split('/').at(-1) ?? key).replace(/\.zip$/, '');
    const dot = handler.lastIndexOf('.');
    const environment: Record<string, string> = {};
    for (const [variable, value] of Object.entries(properties.Environment?.Variables ?? {})) {
      if (typeof value === 'string') environment[variable] = value;
    }
    functions.push({
      name,
      handlerFile: `${handler.slice(0, dot)}.js`,
      exportName: handler.slice(dot + 1),
      environment,
      memorySize: typeof properties.MemorySize === 'number' ? properties.MemorySize : undefined,
    });
  }
  return functions.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The environment of one timed load: the function's deployed variables (less those that only
 * exist on Lambda), the variables Lambda itself sets, and the harmless local connections. Built
 * from nothing but `PATH` and `HOME` of this process: no credential of the caller reaches the child.
 */
export function coldStartEnvironment(
  fn: PackagedFunction,
  base: { readonly PATH?: string; readonly HOME?: string; readonly region?: string },
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  if (base.PATH !== undefined) env.PATH = base.PATH;
  if (base.HOME !== undefined) env.HOME = base.HOME;
  for (const [variable, value] of Object.entries(fn.environment)) {
    if (!LAMBDA_ONLY_VARIABLES.includes(variable)) env[variable] = value;
  }
  const region = base.region ?? 'eu-west-1';
  Object.assign(env, {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `billing-example-${fn.name}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize ?? 512),
    ...HARMLESS_CONNECTIONS,
    ...extra,
  });
  return env;
}

/** The p-th percentile (nearest rank) of some values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** The median and the maximum of repeated timings, in ms. */
export interface TimingSummary {
  readonly p50: number;
  readonly max: number;
}

/** p50 and max of some timings (NaN when there are none). */
export function summarise(values: readonly number[]): TimingSummary {
  return {
    p50: percentile(values, 50),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/** What one bundle's timed loads gave. */
export interface ColdStartRow {
  readonly name: string;
  readonly zipBytes: number;
  /** Every file of the zip, unzipped (the handler, its source map, any shipped file). */
  readonly unzippedBytes: number;
  /** The handler file alone: what Node parses and evaluates. */
  readonly handlerBytes: number;
  /** performance.now() around require() of the handler, inside the child, per run. */
  readonly evaluationMs: readonly number[];
  /** From spawn to the child's "ready" line, seen by the parent, per run. */
  readonly readyMs: readonly number[];
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '-');
const pair = (summary: TimingSummary): string => `${ms(summary.p50)} / ${ms(summary.max)}`;
const ratio = (value: number, goalMs: number): string =>
  Number.isFinite(value) ? (value / goalMs).toFixed(2) : '-';

/** Whether a bundle is within the goal: its median process-to-ready time is under it. */
export const withinGoal = (row: ColdStartRow, goalMs = COLD_START_GOAL_MS): boolean =>
  summarise(row.readyMs).p50 < goalMs;

/**
 * The table of `npm run bench:cold-start`: per function the sizes, module evaluation and
 * process-to-ready (p50 / max of the runs, ms) and the ratio of the ready time to the goal (p50,
 * and max in brackets); then the machine's floor, a bare `node -e ''` from spawn to exit.
 */
export function formatColdStartTable(
  rows: readonly ColdStartRow[],
  floorMs: readonly number[],
  goalMs = COLD_START_GOAL_MS,
): string {
  const header = ['function', 'zip', 'unzipped', 'handler.js', 'eval p50/max', 'ready p50/max', 'goal ratio'];
  const lines = rows.map((row) => {
    const ready = summarise(row.readyMs);
    return [
      row.name,
      kib(row.zipBytes),
      kib(row.unzippedBytes),
      kib(row.handlerBytes),
      pair(summarise(row.evaluationMs)),
      pair(ready),
      `${ratio(ready.p50, goalMs)} (${ratio(ready.max, goalMs)})`,
    ];
  });
  const floor = summarise(floorMs);
  lines.push([
    "node -e ''",
    '',
    '',
    '',
    '',
    pair(floor),
    `${ratio(floor.p50, goalMs)} (${ratio(floor.max, goalMs)})`,
  ]);
  const table = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  const render = (line: readonly string[]) =>
    line
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [render(header), ...lines.map(render)].join('\n');
}
