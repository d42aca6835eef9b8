import type {
  ColumnDifference,
  ComparedRow,
  ComparedTable,
  ReadModelSide,
  RowDifference,
  RowKey,
  TableComparison,
} from './compare-types';

/** The comparison could not be trusted: a side's rows did not come in key order. */
export class ReadModelComparisonError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReadModelComparisonError';
  }
}

/** Rows of one side sharing the leading (uuid) key column: one row, or a transaction's entries. */
interface KeyGroup {
  readonly leading: string;
  readonly rows: readonly ComparedRow[];
}

const keyOf = (table: ComparedTable, row: ComparedRow): RowKey =>
  Object.fromEntries(table.key.map((column) => [column.name, row[column.name] ?? '']));

/** The whole key as one string, to match the rows of a group. */
const keyIdOf = (table: ComparedTable, row: ComparedRow): string =>
  JSON.stringify(table.key.map((column) => row[column.name] ?? ''));

const valuesOf = (table: ComparedTable, row: ComparedRow): ComparedRow =>
  Object.fromEntries(table.columns.map((column) => [column.name, row[column.name] ?? null]));

/** Counts the rows and differences of a table and keeps the first `listedPerTable` differences. */
class DifferenceTally {
  readonly #table: ComparedTable;
  readonly #listedPerTable: number;
  readonly #listed: RowDifference[] = [];
  readonly #rows = { live: 0, rebuilt: 0 };
  #differences = 0;

  constructor(table: ComparedTable, listedPerTable: number) {
    this.#table = table;
    this.#listedPerTable = listedPerTable;
  }

  read(side: ReadModelSide, rows: number): void {
    this.#rows[side] += rows;
  }

  onlyIn(side: ReadModelSide, rows: readonly ComparedRow[]): void {
    for (const row of rows) {
      this.#add({
        kind: side === 'live' ? 'only-in-live' : 'only-in-rebuilt',
        key: keyOf(this.#table, row),
        values: valuesOf(this.#table, row),
      });
    }
  }

  /** Two rows of the same key: a difference when any compared column differs. */
  both(live: ComparedRow, rebuilt: ComparedRow): void {
    const columns: ColumnDifference[] = [];
    for (const { name } of this.#table.columns) {
      const [was, is] = [live[name] ?? null, rebuilt[name] ?? null];
      if (was !== is) columns.push({ column: name, live: was, rebuilt: is });
    }
    if (columns.length > 0) this.#add({ kind: 'changed', key: keyOf(this.#table, live), columns });
  }

  result(): TableComparison {
    return {
      table: this.#table.name,
      liveRows: this.#rows.live,
      rebuiltRows: this.#rows.rebuilt,
      differences: this.#differences,
      listed: this.#listed,
    };
  }

  #add(difference: RowDifference): void {
    this.#differences += 1;
    if (this.#listed.length < this.#listedPerTable) this.#listed.push(difference);
  }
}

/**
 * One side's rows in groups sharing the leading key, counted as they pass. A group may span pages.
 * Throws when the leading key goes backwards: a merge of unsorted rows would report rows as
 * missing that are not.
 */
async function* groupsOf(
  table: ComparedTable,
  side: ReadModelSide,
  pages: AsyncIterable<readonly ComparedRow[]>,
  tally: DifferenceTally,
): AsyncGenerator<KeyGroup> {
  const leadingColumn = table.key[0].name;
  let group: ComparedRow[] = [];
  let leading: string | undefined;
  for await (const page of pages) {
    tally.read(side, page.length);
    for (const row of page) {
      const key = row[leadingColumn] ?? '';
      if (leading !== undefined && key !== leading) {
        if (key < leading)
          throw new ReadModelComparisonError(
            `${table.name}: the ${side} rows are not in key order (${leadingColumn} ${key} after ${leading})`,
          );
        yield { leading, rows: group };
        group = [];
      }
      leading = key;
      group.push(row);
    }
  }
  if (leading !== undefined) yield { leading, rows: group };
}

/** Matches the rows of one leading key on both sides by their whole key, in key order. */
function compareGroups(
  table: ComparedTable,
  tally: DifferenceTally,
  live: readonly ComparedRow[],
  rebuilt: readonly ComparedRow[],
): void {
  const [onlyLive, onlyRebuilt] = [live[0], rebuilt[0]];
  if (live.length === 1 && rebuilt.length === 1 && onlyLive && onlyRebuilt) {
    // A table keyed by the uuid alone: the same key.
    if (table.key.length === 1 || keyIdOf(table, onlyLive) === keyIdOf(table, onlyRebuilt)) {
      tally.both(onlyLive, onlyRebuilt);
      return;
    }
  }
  const byKey = (rows: readonly ComparedRow[]) => new Map(rows.map((row) => [keyIdOf(table, row), row]));
  const [liveRows, rebuiltRows] = [byKey(live), byKey(rebuilt)];
  for (const id of [...new Set([...liveRows.keys(), ...rebuiltRows.keys()])].sort()) {
    const [was, is] = [liveRows.get(id), rebuiltRows.get(id)];
    if (was && is) tally.both(was, is);
    else if (was) tally.onlyIn('live', [was]);
    else if (is) tally.onlyIn('rebuilt', [is]);
  }
}

/**
 * Merge-compares two streams of pages of one table, each sorted by the table's leading (uuid) key
 * column (the order PostgreSQL gives uuids: their lowercase text sorts the same way): rows on one
 * side only, and rows of the same key whose compared columns differ. Holds one group of rows per
 * side at a time besides the pages being read, and the first `listedPerTable` differences. Pure
 * apart from pulling the pages.
 */
export async function compareSortedPages(
  table: ComparedTable,
  live: AsyncIterable<readonly ComparedRow[]>,
  rebuilt: AsyncIterable<readonly ComparedRow[]>,
  listedPerTable: number,
): Promise<TableComparison> {
  const tally = new DifferenceTally(table, listedPerTable);
  const liveGroups = groupsOf(table, 'live', live, tally);
  const rebuiltGroups = groupsOf(table, 'rebuilt', rebuilt, tally);
  const next = async (groups: AsyncGenerator<KeyGroup>) => {
    const step = await groups.next();
    return step.done ? undefined : step.value;
  };
  let [was, is] = await Promise.all([next(liveGroups), next(rebuiltGroups)]);
  while (was || is) {
    if (was && (!is || was.leading < is.leading)) {
      tally.onlyIn('live', was.rows);
      was = await next(liveGroups);
    } else if (is && (!was || is.leading < was.leading)) {
      tally.onlyIn('rebuilt', is.rows);
      is = await next(rebuiltGroups);
    } else if (was && is) {
      compareGroups(table, tally, was.rows, is.rows);
      [was, is] = await Promise.all([next(liveGroups), next(rebuiltGroups)]);
    }
  }
  return tally.result();
}
