import { readFile } from 'node:fs/promises';
import { KilnError } from '@kiln/tensor';
import { type CsvOptions, type CsvTable, parseCsv } from '../io/csv.js';

/**
 * Reads a numeric CSV file (see `parseCsv`); errors name the file, the line and the column.
 *
 * @example
 * ```ts
 * import { fromTypedArray } from '@kiln/tensor';
 * import { readCsvFile } from '@kiln/data/node';
 * const table = await readCsvFile('data/iris.csv', { columns: ['sepal_length', 'petal_length'] });
 * const x = fromTypedArray(table.data, table.shape);
 * ```
 */
export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new KilnError(`readCsvFile: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseCsv(text, options, path);
}
