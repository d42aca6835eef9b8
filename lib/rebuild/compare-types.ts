/** The read-model tables compared, in the order they are compared and reported. */
export type ComparedTableName = 'accounts' | 'transactions' | 'ledger_entries' | 'transfers';

/** Which side of the comparison a row was read from. */
export type ReadModelSide = 'live' | 'rebuilt';

/**
 * How a column is read. Every value is compared as the text PostgreSQL gives for it: bigints
 * (amounts, versions) as decimal text, never JavaScript numbers; timestamps in UTC with
 * microseconds, as stored; booleans as `true`/`false`.
 */
export type ColumnKind = 'uuid' | 'text' | 'bigint' | 'boolean' | 'timestamp';

export interface ComparedColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** A table as compared: its primary key and the columns that make up the model. */
export interface ComparedTable {
  readonly name: ComparedTableName;
  /**
   * The primary key, a uuid first. Rows are read and merged in the order of that uuid, which is
   * the same on any server (uuids compare as bytes, whatever the database's collation); rows that
   * share it (a transaction's ledger entries) are matched by the whole key.
   */
  readonly key: readonly [ComparedColumn & { readonly kind: 'uuid' }, ...ComparedColumn[]];
  readonly columns: readonly ComparedColumn[];
}

/** A row as read for comparison: its key and compared columns by name, as text (null for NULL). */
export type ComparedRow = Readonly<Record<string, string | null>>;

/** A row's primary key, column by column. */
export type RowKey = Readonly<Record<string, string>>;

/** A column whose values differ between the two rows of one key. */
export interface ColumnDifference {
  readonly column: string;
  readonly live: string | null;
  readonly rebuilt: string | null;
}

/** One row that differs: present on one side only, or present on both with differing columns. */
export type RowDifference =
  | {
      readonly kind: 'only-in-live' | 'only-in-rebuilt';
      readonly key: RowKey;
      /** The row's compared columns (its key aside). */
      readonly values: ComparedRow;
    }
  | {
      readonly kind: 'changed';
      readonly key: RowKey;
      /** Every compared column that differs, in the table's column order. */
      readonly columns: readonly ColumnDifference[];
    };

/** One table of the comparison. */
export interface TableComparison {
  readonly table: ComparedTableName;
  readonly liveRows: number;
  readonly rebuiltRows: number;
  /** How many rows differ (one side only, or differing columns): all of them, listed or not. */
  readonly differences: number;
  /** The first differences in key order, at most `listedPerTable` of them. */
  readonly listed: readonly RowDifference[];
}

/** Two read models compared table by table. */
export interface ReadModelComparison {
  readonly tables: readonly TableComparison[];
  /** Differing rows over every table: 0 when the read models hold the same model. */
  readonly differences: number;
}

export interface CompareOptions {
  /** Rows read per query and side (keyset pages). Default 5,000. */
  readonly pageSize?: number;
  /** Differences kept per table (the count covers them all). Default 100. */
  readonly listedPerTable?: number;
}
