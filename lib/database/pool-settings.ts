import * as z from 'zod';
import { DatabaseEnvVariable, DEFAULT_POOL_SIZE } from './constants';
import { PoolSettingsError } from './errors';

/** The handlers' pool settings; the database URL itself comes from lib/config (URL or secret). */
export interface PoolSettings {
  readonly poolSize: number;
}

const PoolSizeSchema = z.coerce.number().int().min(1).max(64).default(DEFAULT_POOL_SIZE);

/** Reads and validates the pool settings; the error names the variable at fault. */
export function loadPoolSettings(env: NodeJS.ProcessEnv = process.env): PoolSettings {
  const parsed = PoolSizeSchema.safeParse(env[DatabaseEnvVariable.poolSize] || undefined);
  if (!parsed.success) {
    throw new PoolSettingsError(
      `Invalid pool configuration: ${DatabaseEnvVariable.poolSize}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
      { cause: parsed.error },
    );
  }
  return { poolSize: parsed.data };
}
