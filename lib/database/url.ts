import { join } from 'node:path';

/** The read model's SQL migrations (node-pg-migrate), applied in file name order. */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

/** The server URL with another database name. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};
