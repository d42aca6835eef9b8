/**
 * The PostgreSQL plumbing every module shares (docs/design.md: Layers): the `Queryable` port, the
 * one transaction helper, the rotating pool, storable text, database URLs and the read model's
 * migrations (`./migrations`) with their two runners: node-pg-migrate's command line
 * (`migrateDatabase`, for tools and tests) and, in-process, `./migrate` (the deploy step), imported
 * directly: node-pg-migrate is ESM-only, and jest, which runs CommonJS, loads this index.
 */
export { DatabaseEnvVariable, DEFAULT_POOL_SIZE } from './constants';
export { DatabaseError, MigrationError, PoolSettingsError } from './errors';
export { migrateDatabase } from './migrate-cli';
export { closeDatabasePools, databasePool } from './pool';
export { loadPoolSettings, type PoolSettings } from './pool-settings';
export { INVALID_PASSWORD, RotatingPool } from './rotating-pool';
export { storableText } from './storable-text';
export { inTransaction, type TransactionTimeouts, transactionTimeoutsOf } from './transaction';
export type { Queryable } from './types';
export { MIGRATIONS_DIR, withDatabase } from './url';
