import { KilnError, ValueError } from '@kiln/tensor';

/**
 * Options of `parseCsv`.
 *
 * @example
 * ```ts
 * import type { CsvOptions } from '@kiln/data';
 * const o: CsvOptions = { columns: ['x', 'y'], dtype: 'float64' };
 * ```
 */
export interface CsvOptions {
  /** Whether the first row names the columns (default true). */
  header?: boolean;
  /** Columns to keep, by name (needs a header) or by 0-based position; default all, in file order. */
  columns?: readonly (string | number)[];
  /** Field separator (default `','`). */
  delimiter?: string;
  /** Element type of `data` (default `'float32'`). */
  dtype?: 'float32' | 'float64';
  /** Value used for empty cells; without it an empty cell is an error. */
  missing?: number;
}

/**
 * A numeric table read from CSV: row-major values and the names of the kept columns.
 *
 * @example
 * ```ts
 * import type { CsvTable } from '@kiln/data';
 * const t: CsvTable = { columns: ['a'], data: new Float32Array([1, 2]), shape: [2, 1] };
 * ```
 */
export interface CsvTable {
  /** Names of the kept columns (`column0`, … without a header). */
  readonly columns: readonly string[];
  /** Values, row-major: `data[r * shape[1] + c]`. Use `fromTypedArray(data, shape)` for a tensor. */
  readonly data: Float32Array | Float64Array;
  /** `[rows, kept columns]`. */
  readonly shape: readonly [number, number];
}

/**
 * Splits CSV text into rows of cells (RFC 4180: quoted fields may hold delimiters, newlines and
 * doubled quotes; `\n` and `\r\n` both end rows). A final empty line is ignored. Each row carries
 * its 1-based line number, for error messages.
 *
 * @example
 * ```ts
 * import { parseCsvRows } from '@kiln/data';
 * parseCsvRows('a,"b,c"\n1,2\n').map((r) => r.cells); // [['a', 'b,c'], ['1', '2']]
 * ```
 */
export function parseCsvRows(
  text: string,
  delimiter = ',',
  source = 'CSV data',
): { line: number; cells: string[] }[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ValueError(
      `parseCsv: delimiter must be one character other than a quote or newline (got '${delimiter}')`,
    );
  }
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    let cell: string;
    if (text.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new KilnError(`parseCsv: ${source}, line ${rowLine}: unterminated quoted field`);
        value += text.slice(j, q);
        for (let k = j; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      cell = value;
      i = j;
      const c = text.charCodeAt(i);
      if (i < n && c !== d && c !== 10 && c !== 13) {
        throw new KilnError(`parseCsv: ${source}, line ${line}: unexpected character after a closing quote`);
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === d || c === 10 || c === 13) break;
        j++;
      }
      cell = text.slice(i, j);
      i = j;
    }
    cells.push(cell);
    const c = text.charCodeAt(i);
    if (c === d) {
      i++;
      if (i === n) cells.push('');
      continue;
    }
    if (c === 13) i++;
    if (text.charCodeAt(i) === 10) i++;
    rows.push({ line: rowLine, cells });
    cells = [];
    line++;
    rowLine = line;
  }
  return rows;
}

const NON_DECIMAL = /^[+-]?0[xob]/i;

const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  '+nan': Number.NaN,
  '-nan': Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/**
 * Parses numeric CSV text into a table: optional header, column selection, and numbers parsed
 * strictly (`nan` and `inf` accepted, as NumPy does). A ragged row, an unknown column or a cell
 * that is not a number is a `KilnError` naming the line and the column.
 *
 * @example
 * ```ts
 * import { parseCsv } from '@kiln/data';
 * const t = parseCsv('x,y,label\n1,2,0\n3,4,1\n', { columns: ['label', 'x'] });
 * t.shape; // [2, 2]
 * Array.from(t.data); // [0, 1, 1, 3]
 * ```
 */
export function parseCsv(text: string, options: CsvOptions = {}, source = 'CSV data'): CsvTable {
  const rows = parseCsvRows(text, options.delimiter ?? ',', source);
  const hasHeader = options.header ?? true;
  const headerRow = hasHeader ? rows.shift() : undefined;
  const width = headerRow?.cells.length ?? rows[0]?.cells.length ?? 0;
  const names =
    headerRow?.cells.map((c) => c.trim()) ?? Array.from({ length: width }, (_, k) => `column${k}`);
  const picks: number[] = [];
  for (const col of options.columns ?? names.map((_, k) => k)) {
    if (typeof col === 'number') {
      if (!Number.isInteger(col) || col < 0 || col >= width) {
        throw new ValueError(`parseCsv: ${source}: column index ${col} is out of range for ${width} columns`);
      }
      picks.push(col);
    } else {
      if (!hasHeader)
        throw new ValueError(`parseCsv: ${source}: column '${col}' selected by name, but header is false`);
      const k = names.indexOf(col);
      if (k < 0)
        throw new ValueError(`parseCsv: ${source}: no column named '${col}' (columns: ${names.join(', ')})`);
      picks.push(k);
    }
  }
  const data =
    options.dtype === 'float64'
      ? new Float64Array(rows.length * picks.length)
      : new Float32Array(rows.length * picks.length);
  for (let r = 0; r < rows.length; r++) {
    const { line, cells } = rows[r]!;
    if (cells.length !== width) {
      throw new KilnError(
        `parseCsv: ${source}, line ${line}: ragged row with ${cells.length} cells (expected ${width}${hasHeader ? ', as in the header' : ', as in the first row'})`,
      );
    }
    for (let k = 0; k < picks.length; k++) {
      const c = picks[k]!;
      const raw = cells[c]!.trim();
      let v: number;
      if (raw === '') {
        if (options.missing === undefined) {
          throw new KilnError(
            `parseCsv: ${source}, line ${line}, column '${names[c]}' (${c + 1}): empty cell\nhelp: pass { missing: NaN } to accept empty cells`,
          );
        }
        v = options.missing;
      } else {
        // NOTE: Number() also takes hex, octal and binary literals, which no CSV writer means.
        v = NON_DECIMAL.test(raw) ? Number.NaN : Number(raw);
        if (Number.isNaN(v)) {
          const special = SPECIAL[raw.toLowerCase()];
          if (special === undefined) {
            throw new KilnError(
              `parseCsv: ${source}, line ${line}, column '${names[c]}' (${c + 1}): cannot parse '${raw}' as a number`,
            );
          }
          v = special;
        }
      }
      data[r * picks.length + k] = v;
    }
  }
  return { columns: picks.map((c) => names[c]!), data, shape: [rows.length, picks.length] };
}
