import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { localDatabaseUrl } from '../../../local/stack/topology';
import { migrateDatabase, withDatabase } from '../../database';

// Isolated databases for integration tests and benchmarks: each run gets its own database on the
// local PostgreSQL (or on a server given by URL), migrated with the project's migrations.

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** A small pool for the test's own queries. */
  readonly pool: Pool;
  drop(): Promise<void>;
}

/** Creates `billing_it_<random>` on the server of `serverUrl`, migrated; `drop()` removes it. */
export async function createTestDatabase(
  prefix = 'billing_it',
  serverUrl: string = process.env.DATABASE_URL ?? localDatabaseUrl,
): Promise<TestDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  await migrateDatabase(url);
  const pool = new Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      const cleanup = new Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
