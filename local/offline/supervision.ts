/**
 * Supervision of a trigger's consumer, the pure part: when a consumer counts as down, when it is
 * restarted, and how lag is measured. Lambda's pollers come back after any broker or group fault;
 * the emulator's kafkajs consumers do not always (a crash it does not retry, a stop, a hang), so
 * the emulator watches them and starts a fresh one.
 */

/** A trigger's state, as `msk_offline_trigger_up` and the log report it. */
export const TriggerState = {
  /** Connecting and joining its group. */
  starting: 'starting',
  /** A member of its group, fetching. */
  running: 'running',
  /** Crashed, stopped or stalled: a restart is scheduled. */
  down: 'down',
  /** Stopped on purpose (sls offline exits). */
  stopped: 'stopped',
  /**
   * Refused by Kafka's ACLs (its principal may not read the topic or use the group): reported and
   * not restarted, since a restart changes nothing until the ACLs or serverless.yml change.
   */
  refused: 'refused',
} as const;
export type TriggerState = (typeof TriggerState)[keyof typeof TriggerState];

export interface SupervisionSettings {
  /** Delay before the first restart; doubles per consecutive failure up to the cap. */
  readonly restartBaseDelayMs: number;
  readonly restartMaxDelayMs: number;
  /**
   * A running consumer with no fetch, heartbeat or invocation for this long is stalled (kafkajs
   * stuck after a broker or coordinator loss); a starting one that has not joined its group in
   * this long is too.
   */
  readonly stallMs: number;
}

export const SUPERVISION_DEFAULTS: SupervisionSettings = {
  restartBaseDelayMs: 1_000,
  restartMaxDelayMs: 30_000,
  // Above the session timeout (30 s): a rebalance that kafkajs rides out itself is not a stall.
  stallMs: 45_000,
};

/** Delay before restart number `failures` (1 for the first) in a row: 1 s, 2 s, 4 s ... capped. */
export function restartDelayMs(failures: number, settings: SupervisionSettings): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(settings.restartMaxDelayMs, settings.restartBaseDelayMs * 2 ** exponent);
}

/** What the watchdog sees of a consumer. */
export interface ConsumerActivity {
  readonly state: TriggerState;
  /** When it last fetched, heartbeated, joined or invoked (ms). */
  readonly lastActivityAt: number;
  /** Invocations in flight (bounded by the function timeout, so not a stall). */
  readonly invocationsInFlight: number;
}

/** Why the consumer must be restarted now, or null while it is healthy (or already handled). */
export function stallOf(
  activity: ConsumerActivity,
  now: number,
  settings: SupervisionSettings,
): string | null {
  if (activity.state !== TriggerState.running && activity.state !== TriggerState.starting) return null;
  if (activity.invocationsInFlight > 0) return null;
  const idleMs = now - activity.lastActivityAt;
  if (idleMs < settings.stallMs) return null;
  const seconds = Math.round(idleMs / 1000);
  return activity.state === TriggerState.starting
    ? `not a member of its group after ${seconds} s`
    : `no fetch, heartbeat or invocation for ${seconds} s`;
}

/** A partition's offsets: the log's start and end, and the group's committed offset (-1: none). */
export interface PartitionOffsets {
  readonly partition: number;
  readonly logStart: string;
  readonly logEnd: string;
  readonly committed: string;
}

/**
 * Records of a partition the trigger has not committed (MSK's OffsetLag): log end minus the
 * committed offset. Without a committed offset, a TRIM_HORIZON group has the whole log ahead of
 * it and a LATEST group nothing.
 */
export function partitionLag(offsets: PartitionOffsets, fromBeginning: boolean): number {
  const end = BigInt(offsets.logEnd);
  const committed = BigInt(offsets.committed);
  const from = committed >= 0n ? committed : fromBeginning ? BigInt(offsets.logStart) : end;
  const lag = end - from;
  return Number(lag > 0n ? lag : 0n);
}
