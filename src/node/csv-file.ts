// Reading a CSV file (optionally gzipped) into Bars.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseBarsCsv, type CsvOptions } from '../core/csv.js';
import type { Bars } from '../core/types.js';

export function readBarsCsvFile(path: string, options: CsvOptions = {}): Bars {
  const buf = readFileSync(path);
  return parseBarsCsv((path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8'), options);
}
