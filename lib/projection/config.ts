import * as z from 'zod';
import { DEFAULT_POOL_SIZE, ProjectionEnvVariable } from './constants';
import { ProjectionConfigError } from './errors';

/** The projectors' own settings; the database URL itself comes from lib/config (URL or secret). */
export interface ProjectionSettings {
  readonly poolSize: number;
}

const PoolSizeSchema = z.coerce.number().int().min(1).max(64).default(DEFAULT_POOL_SIZE);

/** Reads and validates the projectors' settings; the error names the variable at fault. */
export function loadProjectionSettings(env: NodeJS.ProcessEnv = process.env): ProjectionSettings {
  const parsed = PoolSizeSchema.safeParse(env[ProjectionEnvVariable.poolSize] || undefined);
  if (!parsed.success) {
    throw new ProjectionConfigError(
      `Invalid projection configuration: ${ProjectionEnvVariable.poolSize}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
      { cause: parsed.error },
    );
  }
  return { poolSize: parsed.data };
}
