// Reading a CSV file (optionally gzipped) into Bars.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseBarsCsv, type CsvOptions } from '../core/csv.js';
import { InputError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import { whyUnreadable } from './unreadable.js';

/**
 * Reads a CSV file, inflated when its name ends in .gz; `-` reads standard input, inflated when it
 * starts as gzip data does. UTF-8, UTF-16 with a byte order mark, GB18030 (GBK) or Big5. A file
 * it cannot read is an InputError naming it and why.
 */
export function readBarsCsvFile(path: string, options: CsvOptions = {}): Bars {
  let text: string[];
  try {
    const buf = readFileSync(path === '-' ? 0 : path);
    const gzipped = path === '-' ? buf[0] === 0x1f && buf[1] === 0x8b : path.endsWith('.gz');
    text = csvTextPieces(gzipped ? gunzip(buf) : buf);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${whyUnreadable(e)}`);
  }
  return parseBarsCsv(text, options);
}

/**
 * A file's text in pieces of about `pieceBytes` of the file each, split at line ends outside quoted
 * cells: a JavaScript string holds at most 2^29 - 24 characters (a 589 MB file was refused "Cannot
 * create a string longer than 0x1fffffe8 characters").
 */
export function csvTextPieces(b: Buffer, pieceBytes = 128 << 20): string[] {
  const encoding = encodingOf(b);
  const unit = encoding === 'utf-16le' ? 1 : encoding === 'utf-16be' ? 2 : 0;
  const decoder = encoding === 'utf8' ? null : new TextDecoder(encoding);
  return splitAtLines(b, pieceBytes, unit).map((p) => (decoder === null ? p.toString('utf8') : decoder.decode(p)));
}

/**
 * UTF-16 when a byte order mark says so (Excel's "Unicode Text" export), else UTF-8; a file that is
 * not UTF-8 is GB18030 (GBK), as 通达信 and other Chinese tools write, or Big5 (Taiwan's tools) when
 * its first lines read as Chinese column names so and not as GB18030 (Big5 bytes are mostly valid
 * GB18030 too, as other characters).
 */
function encodingOf(b: Buffer): 'utf-16le' | 'utf-16be' | 'utf8' | 'big5' | 'gb18030' {
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (isUtf8(b)) return 'utf8';
  const head = b.subarray(0, 4096);
  const big5 = !CHINESE_NAMES.test(new TextDecoder('gb18030').decode(head)) && CHINESE_NAMES.test(new TextDecoder('big5').decode(head));
  return big5 ? 'big5' : 'gb18030';
}

/**
 * The bytes in pieces of at least `size` (but the last), each ending after a line feed outside
 * quoted cells (an even count of quotes before it in the piece), so each holds whole records; the
 * first holds at least four lines (a title, a header of up to three lines: parseCsv reads them). In
 * UTF-8, GB18030 and Big5 the bytes 0x0A and 0x22 are only ever those characters; in UTF-16
 * (`unit` 1: little endian, 2: big endian) they are the low byte of a code unit, the other zero.
 */
function splitAtLines(b: Buffer, size: number, unit: 0 | 1 | 2): Buffer[] {
  /** Whether byte i (found as 0x0A or 0x22) is that character: in UTF-16, its code unit's low byte, the other zero. */
  const whole = (i: number) => unit === 0 || (unit === 1 ? i % 2 === 0 && b[i + 1] === 0 : i % 2 === 1 && b[i - 1] === 0);
  const pieces: Buffer[] = [];
  let start = 0,
    lines = 0;
  while (b.length - start > size) {
    let quotes = 0,
      q = b.indexOf(0x22, start),
      end = -1;
    for (let lf = b.indexOf(0x0a, start === 0 ? 0 : start + size); lf >= 0; lf = b.indexOf(0x0a, lf + 1)) {
      if (!whole(lf) || (start === 0 && (++lines < 4 || lf < size))) continue;
      for (; q >= 0 && q < lf; q = b.indexOf(0x22, q + 1)) if (whole(q)) quotes++;
      if (quotes % 2 === 0) {
        end = lf + (unit === 1 ? 2 : 1);
        break;
      }
    }
    if (end < 0) break;
    pieces.push(b.subarray(start, end));
    start = end;
  }
  pieces.push(b.subarray(start));
  return pieces;
}

/** Names Chinese headers hold, in simplified or traditional characters. */
const CHINESE_NAMES = /日期|时间|時間|开盘|開盤|收盘|收盤|成交量/;

/**
 * The file inflated in output pieces of about its expected size (CSV inflates 3-5x) rather than the
 * default 16 KB, which the inflater then joins: SPY hourly (0.65 MB to 2 MB) ~16 ms instead of ~23.
 */
function gunzip(buf: Buffer): Buffer {
  return gunzipSync(buf, { chunkSize: Math.min(64 << 20, Math.max(64 << 10, buf.length * 4)) });
}
