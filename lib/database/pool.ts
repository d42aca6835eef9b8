import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { resolveDatabaseUrl } from '../config';
import { loadPoolSettings } from './pool-settings';
import { RotatingPool } from './rotating-pool';

/*
 * The handlers' database pools live across warm invocations, one per configuration: the settings
 * are read from the validated environment at every invocation, and a pool is created the first
 * time a configuration is seen.
 */

const pools = new Map<string, Promise<Pool>>();

/** The pg pool of the configured database (DATABASE_URL, or the secret of DATABASE_SECRET_ARN). */
export function databasePool(env: NodeJS.ProcessEnv, logger: Logger): Promise<Pool> {
  const { poolSize } = loadPoolSettings(env);
  const key = JSON.stringify([env.DATABASE_URL, env.DATABASE_SECRET_ARN, poolSize]);
  let pool = pools.get(key);
  if (!pool) {
    pool = resolveDatabaseUrl(env).then((connectionString) => {
      // A rotated secret is read again when PostgreSQL refuses the password (RotatingPool).
      const created = new RotatingPool(connectionString, () => resolveDatabaseUrl(env), {
        max: poolSize,
        connectionTimeoutMillis: 10_000,
      });
      // An idle client whose server went away emits 'error': without a listener it would crash the
      // process. The next query gets a fresh connection (or fails, and the invocation with it).
      created.on('error', (error) => logger.warn('Idle database connection lost', { error: error.message }));
      return created;
    });
    pools.set(key, pool);
    pool.catch(() => pools.delete(key));
  }
  return pool;
}

/** Closes every pool (tests, benchmarks, graceful shutdown). */
export async function closeDatabasePools(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.allSettled(open.map(async (pool) => (await pool).end()));
}
