import * as z from 'zod';
import { DeadLetterEnvVariable } from './constants';
import { DeadLetterConfigError } from './errors';

/** How the retrier spaces and bounds its attempts. */
export interface RetrySettings {
  /** Attempts in all, the original failure included; the letter is parked after the last. */
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** How long a claimed letter stays invisible to other retriers. */
  readonly leaseMs: number;
  /** Letters claimed per run. */
  readonly batchSize: number;
}

const seconds = (fallback: number, max: number, min = 1) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The shortest lease: an attempt (a batch transaction, its statements bounded to a tenth of the
 * lease, and its publish) must fit well inside it, or another retrier would take the letter while
 * it runs (guarded, but wasted).
 */
export const MIN_LEASE_SECONDS = 30;

const SettingsSchema = z.object({
  [DeadLetterEnvVariable.maxAttempts]: z.coerce.number().int().min(1).max(100).default(8),
  [DeadLetterEnvVariable.backoffBaseSeconds]: seconds(60, 86_400),
  [DeadLetterEnvVariable.backoffCapSeconds]: seconds(6 * 3_600, 7 * 86_400),
  [DeadLetterEnvVariable.leaseSeconds]: seconds(300, 3_600, MIN_LEASE_SECONDS),
  [DeadLetterEnvVariable.batchSize]: z.coerce.number().int().min(1).max(1_000).default(50),
});

/** Reads and validates the retry settings; the error names each variable at fault. */
export function loadRetrySettings(env: NodeJS.ProcessEnv = process.env): RetrySettings {
  const input = Object.fromEntries(
    Object.values(DeadLetterEnvVariable).map((name) => [name, env[name] || undefined]),
  );
  const parsed = SettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new DeadLetterConfigError(
      `Invalid dead-letter configuration: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')}`,
      { cause: parsed.error },
    );
  }
  const values = parsed.data;
  const base = values[DeadLetterEnvVariable.backoffBaseSeconds] * 1_000;
  const cap = values[DeadLetterEnvVariable.backoffCapSeconds] * 1_000;
  if (cap < base) {
    throw new DeadLetterConfigError(
      `Invalid dead-letter configuration: ${DeadLetterEnvVariable.backoffCapSeconds} must be at least ${DeadLetterEnvVariable.backoffBaseSeconds}`,
    );
  }
  return {
    maxAttempts: values[DeadLetterEnvVariable.maxAttempts],
    backoffBaseMs: base,
    backoffCapMs: cap,
    leaseMs: values[DeadLetterEnvVariable.leaseSeconds] * 1_000,
    batchSize: values[DeadLetterEnvVariable.batchSize],
  };
}

/**
 * The delay after failed attempt `attempt` (1-based): base * 2^(attempt-1), capped, with "equal
 * jitter" (half fixed, half random), so that letters that failed together do not retry together.
 * `random` is in [0, 1): time and chance come in as data.
 */
export function backoffMs(
  attempt: number,
  settings: Pick<RetrySettings, 'backoffBaseMs' | 'backoffCapMs'>,
  random: number,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 40));
  const ceiling = Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** exponent);
  const unit = Math.min(Math.max(random, 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}

/** What happens after a failed attempt: retry at a time, or park because attempts are exhausted. */
export type NextStep =
  | { readonly kind: 'retry'; readonly at: Date }
  | { readonly kind: 'park'; readonly reason: string };

/**
 * Whether attempt number `attempt` (the original failure is the first) is the last: if it fails,
 * the letter is parked. An operator's replay is always the last word: a failed replay parks.
 */
export function isLastAttempt(input: {
  readonly attempt: number;
  readonly replay: boolean;
  readonly settings: Pick<RetrySettings, 'maxAttempts'>;
}): boolean {
  return input.replay || input.attempt >= input.settings.maxAttempts;
}

/** The step after `attempts` failed attempts (the original failure counts as the first). */
export function nextStepAfterFailure(input: {
  readonly attempts: number;
  readonly permanent: boolean;
  readonly now: Date;
  readonly settings: RetrySettings;
  readonly random: number;
}): NextStep {
  if (input.permanent) return { kind: 'park', reason: 'permanent failure: retrying cannot help' };
  if (isLastAttempt({ attempt: input.attempts, replay: false, settings: input.settings })) {
    return { kind: 'park', reason: `${input.attempts} of ${input.settings.maxAttempts} attempts failed` };
  }
  return {
    kind: 'retry',
    at: new Date(input.now.getTime() + backoffMs(input.attempts, input.settings, input.random)),
  };
}
