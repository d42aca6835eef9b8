import type { Queryable } from '../database';

/**
 * The writes of one partition batch as ONE statement: each write is a data-modifying CTE over
 * UNNEST-ed arrays, so a batch's inserts and updates cost one round trip. No two parts may touch
 * the same row (they see the same snapshot): the projectors fold such changes in memory first.
 */
export class WriteBatch {
  readonly #values: unknown[] = [];
  readonly #parts: string[] = [];
  readonly #reports: string[] = [];

  /** A placeholder for a value, cast to a PostgreSQL type. */
  readonly param = (value: unknown, type: string): string => {
    this.#values.push(value);
    return `$${this.#values.length}::${type}`;
  };

  /**
   * Rows as one JSON parameter, read back with `json_to_recordset`: one native JSON.stringify
   * instead of escaping a PostgreSQL array literal per column in JavaScript. `columns` declares
   * each field's type, e.g. `id uuid, amount bigint`; bigints travel as decimal strings.
   */
  readonly recordset = (rows: readonly Record<string, unknown>[], columns: string): string =>
    `json_to_recordset(${this.param(JSON.stringify(rows), 'json')}) AS r(${columns})`;

  /**
   * Adds one data-modifying statement. With `report`, the statement ends in a RETURNING clause and
   * `execute` answers `report.expression` over its returned rows as `report.name`.
   */
  add(statement: string, report?: { readonly name: string; readonly expression: string }): void {
    this.#parts.push(statement);
    if (report) {
      this.#reports.push(`(SELECT ${report.expression} FROM w${this.#parts.length - 1}) AS ${report.name}`);
    }
  }

  get size(): number {
    return this.#parts.length;
  }

  /** Runs every write in one statement (nothing if there is none); answers the reports. */
  async execute(db: Queryable): Promise<Record<string, unknown>> {
    if (this.#parts.length === 0) return {};
    const ctes = this.#parts.map((part, index) => `w${index} AS (${part})`).join(',\n');
    const reports = this.#reports.length > 0 ? this.#reports.join(', ') : '1 AS done';
    const { rows } = await db.query<Record<string, unknown>>(`WITH ${ctes}\nSELECT ${reports}`, this.#values);
    return rows[0] ?? {};
  }
}
