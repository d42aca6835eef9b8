import { runner } from 'node-pg-migrate';
import { MigrationError } from './errors';

const MIGRATION_STARTED = /^### MIGRATION (\S+) \(UP\) ###$/;

/** The table node-pg-migrate records applied migrations in (the same as `npm run db:migrate`). */
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrationOptions {
  readonly databaseUrl: string;
  /** The folder of the SQL migrations (lib/database/migrations, or its copy in the bundle). */
  readonly migrationsDir: string;
  readonly log?: (message: string) => void;
}

/**
 * Applies every pending migration of the read model, in order, each in its own transaction, under
 * node-pg-migrate's advisory lock (two concurrent runs cannot interleave). Idempotent: a database
 * that is up to date is left as it is. Returns the names of the migrations applied by this run.
 */
export async function migrateReadModel(options: MigrationOptions): Promise<string[]> {
  // node-pg-migrate announces each migration before running it: the one that fails is the last.
  let running: string | undefined;
  const log = (message: string) => {
    running = MIGRATION_STARTED.exec(message)?.[1] ?? running;
    options.log?.(message);
  };
  try {
    const applied = await runner({
      databaseUrl: options.databaseUrl,
      dir: options.migrationsDir,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      singleTransaction: false,
      checkOrder: true,
      verbose: false,
      log,
    });
    return applied.map((migration) => migration.name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MigrationError(running ? `migration ${running} failed: ${message}` : message, { cause: error });
  }
}
