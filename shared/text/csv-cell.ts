/**
 * CSV cells that a spreadsheet will not run: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return is read as a formula by Excel, LibreOffice and Google Sheets (CSV injection), so such a cell gets a
 * leading `'` as OWASP recommends. Numbers we computed are written as numbers (a negative reward stays -1.5).
 * Every CSV writer passes its rows through `csvSafeRow`.
 */

/** First characters that make a spreadsheet treat a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvCell = string | number | boolean | null | undefined;

/** One cell made inert: text that could start a formula is prefixed with `'`; other values are unchanged. */
export function csvSafeCell<T extends CsvCell>(cell: T): T | string {
  return typeof cell === 'string' && FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** A row with every cell made inert (csvSafeCell). */
export function csvSafeRow(row: readonly CsvCell[]): CsvCell[] {
  return row.map(csvSafeCell);
}
