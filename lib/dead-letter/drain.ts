import * as z from 'zod';
import { DeadLetterConfigError } from './errors';
import type { DrainSettings } from './retrier';

/** The environment of the retrier's drain (docs/dead-letters.md). */
export const DrainEnvVariable = {
  shards: 'DEAD_LETTER_RETRY_SHARDS',
} as const;

/** Kept between the last claim and the function timeout: the last batches finish within it. */
export const DRAIN_MARGIN_MS = 15_000;
/** The longest a run drains, however long the function may run. */
export const MAX_DRAIN_MS = 45_000;

// Ten: the partitions of a billing topic (a shard is a partition; more would sit idle).
const ShardsSchema = z.coerce.number().int().min(1).max(32).default(10);

/**
 * The drain's shards (validated) and time budget: the time the function has left minus a margin,
 * at most 45 s (a run every minute).
 */
export function loadDrainSettings(remainingMs: number, env: NodeJS.ProcessEnv = process.env): DrainSettings {
  const parsed = ShardsSchema.safeParse(env[DrainEnvVariable.shards] || undefined);
  if (!parsed.success) {
    throw new DeadLetterConfigError(
      `Invalid dead-letter configuration: ${DrainEnvVariable.shards}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
      { cause: parsed.error },
    );
  }
  return {
    shards: parsed.data,
    budgetMs: Math.max(0, Math.min(MAX_DRAIN_MS, remainingMs - DRAIN_MARGIN_MS)),
  };
}
