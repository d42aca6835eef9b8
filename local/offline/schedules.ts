import type { Invoke } from './invoke';

/** A `schedule` event of a function, as the emulator runs it. */
export interface ScheduledFunction {
  readonly functionKey: string;
  readonly functionName: string;
  readonly expression: string;
  readonly everyMs: number;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** `rate(1 minute)` as milliseconds; undefined for what EventBridge rates are not (cron included). */
export function rateMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  // EventBridge: 1 takes the singular, more the plural.
  if (value < 1 || (value === 1) !== !unit.endsWith('s')) return undefined;
  return value * (UNIT_MS[unit] ?? 0);
}

/** The `schedule` events of the functions, with the expressions the emulator cannot run apart. */
export function readSchedules(
  functions: Readonly<
    Record<string, { readonly name?: string; readonly events?: readonly Record<string, unknown>[] }>
  >,
  only?: readonly string[],
): { readonly schedules: ScheduledFunction[]; readonly unsupported: string[] } {
  const schedules: ScheduledFunction[] = [];
  const unsupported: string[] = [];
  for (const [functionKey, definition] of Object.entries(functions)) {
    if (only && !only.includes(functionKey)) continue;
    for (const event of definition.events ?? []) {
      const schedule = event.schedule;
      const expression =
        typeof schedule === 'string'
          ? schedule
          : typeof (schedule as { rate?: unknown } | undefined)?.rate === 'string'
            ? String((schedule as { rate: string }).rate)
            : undefined;
      if (expression === undefined) continue;
      const everyMs = rateMs(expression);
      if (everyMs === undefined) unsupported.push(`${functionKey}: ${expression}`);
      else schedules.push({ functionKey, functionName: definition.name ?? functionKey, expression, everyMs });
    }
  }
  return { schedules, unsupported };
}

/** The event EventBridge sends a scheduled function. */
const scheduledEvent = (now: Date) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: now.toISOString(),
  region: 'local',
  resources: [],
  detail: {},
});

/**
 * Invokes each scheduled function at its rate (the first time one period after the start), as
 * EventBridge does; a run still going when the next is due is not doubled (the next waits a period).
 */
export class ScheduleRunner {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly schedules: readonly ScheduledFunction[],
    private readonly invoke: Invoke,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    for (const schedule of this.schedules) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        this.invoke(schedule.functionName, scheduledEvent(new Date()))
          .then((outcome) => {
            if (outcome.type === 'error')
              this.log(`${schedule.functionKey} (${schedule.expression}) failed: ${outcome.message}`);
          })
          .catch((error: Error) =>
            this.log(`${schedule.functionKey} (${schedule.expression}) not invoked: ${error.message}`),
          )
          .finally(() => {
            running = false;
          });
      }, schedule.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }
}
