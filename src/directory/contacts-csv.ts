// The contacts CSV format, one definition for export and import: the columns, RFC 4180 quoting, and the
// defence against formula injection. A spreadsheet runs a cell that starts with = + - @ (or a tab or CR,
// which it strips before looking) as a formula, so such a cell is written with a leading apostrophe, as
// OWASP's "CSV Injection" guidance says; the import removes exactly that apostrophe again, so an
// exported file imports unchanged (a phone "+49 30 1234" goes out as "'+49 30 1234" and comes back as is).

/** The columns the export writes and the import reads first (it also accepts a few other spellings). */
export const CONTACT_CSV_COLUMNS = ['email', 'first_name', 'last_name', 'company', 'phone'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

export const neutraliseCell = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

/** Undoes neutraliseCell: only an apostrophe in front of a formula-looking start is ours. */
export const restoreCell = (value: string): string => (value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value);

const quote = (value: string): string => (/[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * A UTF-8 CSV document: a byte order mark first (without it Excel reads the file in the machine's
 * legacy code page and garbles umlauts), CRLF line ends (RFC 4180), every cell neutralised and quoted.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const line = (cells: ReadonlyArray<string>) => cells.map((c) => quote(neutraliseCell(c))).join(',');
  return `\uFEFF${[header, ...rows].map(line).join('\r\n')}\r\n`;
}
