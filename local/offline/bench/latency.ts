/**
 * The pure parts of `npm run bench:latency` (latency.bench.ts): its arguments, the paced schedule
 * and mix of the events it appends, percentiles, the goal and the report's lines.
 */
import { type FunctionDefinition, readSettings, readTriggers } from '../settings';

/** The benchmark's settings: events per second and seconds of steady load. */
export interface LatencyArgs {
  readonly rate: number;
  readonly durationSeconds: number;
}

export const LATENCY_DEFAULTS: LatencyArgs = { rate: 1_000, durationSeconds: 60 };
/** Above this the producer, the poller and the emulator share 2 cores with the stack: no latency left to read. */
export const MAX_RATE = 10_000;
export const MAX_DURATION_SECONDS = 600;
/** The goal: each trigger's p99 at most its batching window plus this. */
export const GOAL_MARGIN_MS = 100;

export const LATENCY_USAGE = `usage: npm run bench:latency -- [rate=${LATENCY_DEFAULTS.rate}] [seconds=${LATENCY_DEFAULTS.durationSeconds}]
  rate     events per second appended through the event store, 1 to ${MAX_RATE}
  seconds  how long the steady load lasts, 1 to ${MAX_DURATION_SECONDS}`;

/** Parses `[rate] [seconds]`; a refusal says which argument is wrong and why. */
export function parseLatencyArgs(
  argv: readonly string[],
): { readonly ok: true; readonly args: LatencyArgs } | { readonly ok: false; readonly message: string } {
  if (argv.length > 2) {
    return {
      ok: false,
      message: `expected at most 2 arguments (rate, seconds), got ${argv.length}: ${argv.join(' ')}`,
    };
  }
  const [rateText, secondsText] = argv;
  const rate = numberArg('rate', rateText, LATENCY_DEFAULTS.rate, MAX_RATE);
  if (!rate.ok) return rate;
  const seconds = numberArg('seconds', secondsText, LATENCY_DEFAULTS.durationSeconds, MAX_DURATION_SECONDS);
  if (!seconds.ok) return seconds;
  return { ok: true, args: { rate: rate.value, durationSeconds: seconds.value } };
}

function numberArg(
  name: string,
  text: string | undefined,
  fallback: number,
  max: number,
): { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string } {
  if (text === undefined) return { ok: true, value: fallback };
  // Digits only, as a person types them: no sign, exponent, hex or blank.
  if (!/^\d+(\.\d+)?$/.test(text)) {
    return { ok: false, message: `${name} must be a positive number, not "${text}"` };
  }
  const value = Number(text);
  if (value < 1 || value > max) {
    return { ok: false, message: `${name} must be between 1 and ${max}, not ${text}` };
  }
  return { ok: true, value };
}

/**
 * The paced producer's schedule: event `index` is due `index / rate` seconds after the start,
 * whatever happened to the sends before it (a late send is followed by a catch-up, not a shift).
 */
export const dueAtMs = (index: number, rate: number): number => (index * 1000) / rate;

/** How many events are due `elapsedMs` after the start (at most `total`). */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  // The small epsilon keeps an event whose due time is exactly now (float error) in this round.
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1);
}

/** Events of the steady load, in the mix the schedule gives them. */
export const LoadEvent = {
  /** AccountOpened of a fresh account: the account projector's latency. */
  openAccount: 'openAccount',
  /** TopupRequested on a funded account: the transaction projector's. */
  topup: 'topup',
  /** WithdrawalRequested on a funded account: the transaction projector's. */
  withdrawal: 'withdrawal',
  /** TransferRequested between two funded accounts: the saga's, and a whole transfer's. */
  transfer: 'transfer',
} as const;
export type LoadEvent = (typeof LoadEvent)[keyof typeof LoadEvent];

/**
 * The mix, one in 20 of each index: 5% openings, 5% transfers, 90% movements (two top-ups for
 * one withdrawal). Spread evenly, so every second of the load has the same mix.
 */
export function loadEventAt(index: number): LoadEvent {
  const slot = index % 20;
  if (slot === 0) return LoadEvent.transfer;
  if (slot === 10) return LoadEvent.openAccount;
  return index % 3 === 0 ? LoadEvent.withdrawal : LoadEvent.topup;
}

/** p50, p95, p99, the maximum and the mean of a set of durations (ms). */
export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** The nearest-rank percentile of ascending values: the smallest value with p% of them at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function distributionOf(values: readonly number[]): Distribution {
  const sorted = [...values].sort((left, right) => left - right);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
  };
}

/** Whether a trigger's p99 keeps to the goal (its window plus GOAL_MARGIN_MS). */
export function goalOf(windowMs: number, distribution: Distribution) {
  const goalMs = windowMs + GOAL_MARGIN_MS;
  return {
    goalMs,
    met: distribution.count > 0 && distribution.p99 <= goalMs,
    ratio: distribution.p99 / goalMs,
  };
}

/** Rate achieved: events acknowledged per second between the first one due and the last ack. */
export const achievedRate = (acknowledged: number, spanMs: number): number =>
  spanMs > 0 ? (acknowledged * 1000) / spanMs : Number.NaN;

const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)}` : '-');

/** One report line: `label  n=…  p50 … p95 … p99 … max … ms`. */
export function distributionLine(label: string, distribution: Distribution): string {
  return `${label.padEnd(40)} n=${String(distribution.count).padEnd(6)} p50 ${ms(distribution.p50).padStart(5)}  p95 ${ms(distribution.p95).padStart(5)}  p99 ${ms(distribution.p99).padStart(5)}  max ${ms(distribution.max).padStart(5)} ms`;
}

/** A trigger's settings the report needs, from serverless.yml. */
export interface TriggerWindow {
  readonly topic: string;
  readonly batchSize: number;
  readonly windowMs: number;
}

/**
 * The batching window and batch size of each function's MSK trigger, as the emulator reads them
 * (readTriggers over the parsed serverless.yml: `functions` and `resources.extensions`).
 */
export function triggerWindowsOf(serverlessYml: unknown): ReadonlyMap<string, TriggerWindow> {
  const config = serverlessYml as {
    readonly functions?: Readonly<Record<string, FunctionDefinition>>;
    readonly resources?: { readonly extensions?: Readonly<Record<string, unknown>> };
  };
  const triggers = readTriggers({
    functions: config.functions ?? {},
    extensions: config.resources?.extensions ?? {},
    settings: readSettings({}, {}),
  });
  return new Map(
    triggers.map((trigger) => [
      trigger.functionKey,
      {
        topic: trigger.topic,
        batchSize: trigger.batchSize,
        windowMs: trigger.maximumBatchingWindowSeconds * 1000,
      },
    ]),
  );
}

/**
 * Sums of Prometheus text-format samples by metric name and `function` label, e.g.
 * `msk_offline_invocation_duration_seconds_sum` -> accountProjector -> 12.5.
 */
export function metricsByFunction(text: string): Map<string, Map<string, number>> {
  const metrics = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\}\s+(\S+)$/.exec(line.trim());
    if (!match) continue;
    const [, name = '', labels = '', value = ''] = match;
    const fn = /(?:^|,)function="([^"]*)"/.exec(labels)?.[1];
    if (fn === undefined) continue;
    const byFunction = metrics.get(name) ?? new Map<string, number>();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + Number(value));
    metrics.set(name, byFunction);
  }
  return metrics;
}

/** Values grouped by slices of `sliceMs` of their time `at` (ms from the start), in order; empty slices too. */
export function slicesOf(
  points: readonly { readonly at: number; readonly value: number }[],
  sliceMs: number,
): Distribution[] {
  const slices: number[][] = [];
  for (const { at, value } of points) {
    const slice = Math.max(0, Math.floor(at / sliceMs));
    while (slices.length <= slice) slices.push([]);
    slices[slice]?.push(value);
  }
  return slices.map(distributionOf);
}

/**
 * Whether a trigger kept up with the load: its batches' first records waited at most twice the
 * window (p50). Beyond that they queue behind a backlog, and the latency measures the queue.
 */
export const keptUp = (firstRecordWait: Distribution, windowMs: number): boolean =>
  firstRecordWait.count > 0 && firstRecordWait.p50 <= 2 * Math.max(windowMs, 100);
