import type { Pool } from 'pg';

/**
 * Where PostgreSQL's time goes in a benchmark, from pg_stat_statements: the local stack preloads
 * it (local/stack/postgres.ts, docker-compose.yml); each benchmark database gets the extension.
 * Times are execution times inside PostgreSQL (planning excluded), per projected event.
 */
export async function resetStatementStats(pool: Pool): Promise<boolean> {
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await pool.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false; // not preloaded (a stack started before it was): the report says so
  }
}

export interface StatementFigure {
  readonly query: string;
  readonly calls: number;
  readonly rows: number;
  /** Execution time per event, µs. */
  readonly microsPerEvent: number;
}

/** The `limit` statements of this database that took longest, per event. */
export async function statementFigures(pool: Pool, events: number, limit = 8): Promise<StatementFigure[]> {
  const { rows } = await pool.query<{ query: string; calls: string; rows: string; total: number }>(
    `SELECT query, calls::text, rows::text, total_exec_time AS total FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({
    query: row.query.replace(/\s+/g, ' ').trim(),
    calls: Number(row.calls),
    rows: Number(row.rows),
    microsPerEvent: (row.total * 1000) / events,
  }));
}

/** The figures as lines for the report: µs per event, calls, rows and the statement's start. */
export function statementLines(figures: readonly StatementFigure[], width = 110): string[] {
  return figures.map(
    (figure) =>
      `  ${figure.microsPerEvent.toFixed(1).padStart(6)} µs/event ${String(figure.calls).padStart(6)} calls ${String(figure.rows).padStart(8)} rows  ${figure.query.slice(0, width)}`,
  );
}
