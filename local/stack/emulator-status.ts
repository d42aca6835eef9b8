/**
 * The MSK emulator's triggers as `stack:status` reports them, read from the emulator's metrics
 * endpoint (`msk_offline_trigger_up`) when `sls offline` runs.
 */

export interface TriggerStatus {
  readonly functionKey: string;
  readonly topic: string;
  readonly up: boolean;
}

const TRIGGER_UP_LINE = /^msk_offline_trigger_up\{([^}]*)\}\s+(\S+)/;
const labelOf = (labels: string, name: string): string =>
  new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';

/** The triggers of a Prometheus text exposition, in the order listed. */
export function triggerStatusesOf(metricsText: string): TriggerStatus[] {
  const statuses: TriggerStatus[] = [];
  for (const line of metricsText.split('\n')) {
    const match = TRIGGER_UP_LINE.exec(line);
    if (!match) continue;
    const [, labels = '', value] = match;
    statuses.push({
      functionKey: labelOf(labels, 'function'),
      topic: labelOf(labels, 'topic'),
      up: Number(value) === 1,
    });
  }
  return statuses;
}

/** The emulator's triggers, or undefined when no emulator answers at `metricsUrl`. */
export async function emulatorTriggers(metricsUrl: string): Promise<TriggerStatus[] | undefined> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    return triggerStatusesOf(await response.text());
  } catch {
    return undefined;
  }
}
