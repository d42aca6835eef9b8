import { DatabaseError } from 'pg';
import { Dependency } from './constants';
import { DependencyUnavailableError } from './errors';

/**
 * SQLSTATE classes that mean the database cannot serve now: connection exceptions (08),
 * insufficient resources (53), operator intervention such as a shutdown (57), system errors (58),
 * no such database (3D), authentication (28), and rolled-back transactions (40).
 */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '3D', '28', '40']);

/**
 * The error of a database call as the API treats it: an outage (any error that is not a SQL
 * error: refused or lost connection, timeout, unreadable secret) becomes DependencyUnavailableError;
 * a SQL error of another class (a bug in a query) is thrown as it is.
 */
export function databaseFailure(error: unknown): Error {
  if (error instanceof DependencyUnavailableError) return error;
  if (error instanceof DatabaseError && !UNAVAILABLE_CLASSES.has(String(error.code).slice(0, 2))) {
    return error;
  }
  return new DependencyUnavailableError(Dependency.database, 'The database cannot be reached', {
    cause: error,
  });
}

/** Runs a database call, classifying its failure (see databaseFailure). */
export async function onDatabase<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw databaseFailure(error);
  }
}
