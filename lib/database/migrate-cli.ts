import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MigrationError } from './errors';
import { MIGRATIONS_DIR } from './url';

const run = promisify(execFile);

/** node-pg-migrate's command line, from the project's own dependencies. */
const NODE_PG_MIGRATE = join(__dirname, '..', '..', 'node_modules', '.bin', 'node-pg-migrate');

/**
 * Applies the read model's pending migrations to a database with node-pg-migrate's command line,
 * as `npm run db:migrate` does: for tools run from the repository (`npm run rebuild`, jest's test
 * databases), where the package, ESM-only and behind a types-only path in tsconfig.json, cannot be
 * loaded in-process. The deploy step runs the same migrations in-process (`./migrate.ts`).
 */
export async function migrateDatabase(databaseUrl: string, timeoutMs = 120_000): Promise<void> {
  try {
    await run(NODE_PG_MIGRATE, ['up', '--migrations-dir', MIGRATIONS_DIR, '--verbose', 'false'], {
      timeout: timeoutMs,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      cwd: join(__dirname, '..', '..'),
    });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(error);
    throw new MigrationError(`node-pg-migrate up failed: ${detail}`, { cause: error });
  }
}
