import type {
  ComparedTableName,
  ReadModelComparison,
  RowDifference,
  RowKey,
  TableComparison,
} from './compare-types';

const count = (n: number): string => n.toLocaleString('en-US');
const counted = (n: number, noun: string): string => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;

/** A value as shown: NULL as `null`, the empty string as `''`, anything else as read. */
const shown = (value: string | null | undefined): string =>
  value === null || value === undefined ? 'null' : value === '' ? "''" : value;

/** A key as shown: its value, or its values in parentheses (a ledger entry's). */
const keyShown = (key: RowKey): string => {
  const values = Object.values(key);
  return values.length === 1 ? shown(values[0]) : `(${values.map(shown).join(', ')})`;
};

/** One difference on one line, e.g. `accounts 5f0c…: balance_minor live 1200, rebuilt 1500`. */
export function differenceLine(table: ComparedTableName, difference: RowDifference): string {
  const row = `${table} ${keyShown(difference.key)}`;
  if (difference.kind === 'changed') {
    const columns = difference.columns.map(
      ({ column, live, rebuilt }) => `${column} live ${shown(live)}, rebuilt ${shown(rebuilt)}`,
    );
    return `${row}: ${columns.join('; ')}`;
  }
  const side = difference.kind === 'only-in-live' ? 'live' : 'rebuilt';
  const values = Object.entries(difference.values).map(([column, value]) => `${column} ${shown(value)}`);
  return `${row}: only in ${side} (${values.join(', ')})`;
}

const tableLines = (table: TableComparison): string[] => {
  const unlisted = table.differences - table.listed.length;
  return [
    `${table.table}: ${count(table.liveRows)} live, ${count(table.rebuiltRows)} rebuilt, ${counted(table.differences, 'difference')}`,
    ...table.listed.map((difference) => `  ${differenceLine(table.table, difference)}`),
    ...(unlisted > 0 ? [`  … and ${counted(unlisted, 'more difference')}`] : []),
  ];
};

/**
 * The comparison for people: per table a line of counts, then its listed differences (indented)
 * and how many more there are; last, whether the read models match. Pure.
 */
export function formatComparison(comparison: ReadModelComparison): string[] {
  return [
    ...comparison.tables.flatMap(tableLines),
    comparison.differences === 0
      ? 'the read models match'
      : `the read models differ: ${counted(comparison.differences, 'difference')}`,
  ];
}
