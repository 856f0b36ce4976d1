// Pivots (中枢) of one level: one scan per parent over the lines against its direction, then one
// trailing scan over the lines after the last parent; adjacent pivots of one parent merge when their
// ranges touch (docs/algorithms.md, "Pivots"). chan.py's zs_algo "normal".
import type { Lines, Parents } from './lines.js';

export interface PivotRecord {
  /** Lines begin..end (both against the scan's direction). */
  begin: number;
  end: number;
  beginRaw: number;
  endRaw: number;
  low: number;
  high: number;
  /** The mid of the first range: a combination does not change it (chan.py). */
  readonly mid: number;
  peakLow: number;
  peakHigh: number;
  readonly confirmed: boolean;
  /** The parent owning it (whose range holds `begin`), or -1 for a pivot of the trailing scan. */
  readonly owner: number;
}

const overlapsStrictly = (l1: number, h1: number, l2: number, h2: number) => h2 > l1 && h1 > l2;
const touches = (l1: number, h1: number, l2: number, h2: number) => h2 >= l1 && h1 >= l2;

/** The pivots of parents `from`.. (and of the trailing lines), appended to `out`; `combine`: zs_combine. */
export function buildPivots(lines: Lines, parents: Parents, combine: boolean, out: PivotRecord[] = [], from = 0): PivotRecord[] {
  const m = parents.m;
  if (m === 0) return out;
  for (let j = from; j < m; j++)
    scan(lines, parents, parents.start[j]!, parents.end[j]!, parents.dir[j]!, parents.confirmed[j] === 1, combine, out);
  const after = parents.end[m - 1]! + 1;
  if (after < lines.n) scan(lines, parents, after, lines.n - 1, -parents.dir[m - 1]!, false, combine, out);
  return out;
}

/** One scan over lines first..last in direction `dir`, whose pivots carry `confirmed`. */
function scan(
  lines: Lines,
  parents: Parents,
  first: number,
  last: number,
  dir: number,
  confirmed: boolean,
  combine: boolean,
  out: PivotRecord[],
): void {
  const { low, high } = lines;
  // F, the candidates since the last pivot this scan made: only their count and the last one matter.
  let fCount = 0,
    prev = -1;
  // Has this scan made a pivot? With no candidate since (fCount 0), the next candidate may extend it.
  let made = false;
  for (let c = first; c <= last; c++) {
    if (lines.dir[c] === dir) continue;
    const cl = low[c]!,
      ch = high[c]!;
    if (made && fCount === 0) {
      // Extension: the candidate overlaps the last pivot's range strictly.
      const z = out[out.length - 1]!;
      if (overlapsStrictly(z.low, z.high, cl, ch)) {
        z.end = c;
        z.endRaw = lines.endRaw[c]!;
        if (cl < z.peakLow) z.peakLow = cl;
        if (ch > z.peakHigh) z.peakHigh = ch;
        continue;
      }
    }
    fCount++;
    const a = prev;
    prev = c;
    if (fCount < 2) continue;
    const lo = Math.max(low[a]!, cl),
      hi = Math.min(high[a]!, ch);
    // A pivot needs an entering line: none starts at line 0.
    if (!(hi > lo) || a === 0) continue;
    out.push({
      begin: a,
      end: c,
      beginRaw: lines.beginRaw[a]!,
      endRaw: lines.endRaw[c]!,
      low: lo,
      high: hi,
      mid: (lo + hi) / 2,
      peakLow: Math.min(low[a]!, cl),
      peakHigh: Math.max(high[a]!, ch),
      confirmed,
      owner: parents.ofLine[a]! < parents.m ? parents.ofLine[a]! : -1,
    });
    fCount = 0;
    made = true;
    if (combine) combineLast(parents, out);
  }
}

/** Merges the last pivot into the one before while both belong to one parent and their ranges touch. */
function combineLast(parents: Parents, out: PivotRecord[]): void {
  while (out.length >= 2) {
    const y = out[out.length - 2]!,
      z = out[out.length - 1]!;
    if (parents.ofLine[y.begin] !== parents.ofLine[z.begin] || !touches(y.low, y.high, z.low, z.high)) return;
    // The union of the two ranges; the mid stays the first range's.
    y.low = Math.min(y.low, z.low);
    y.high = Math.max(y.high, z.high);
    y.peakLow = Math.min(y.peakLow, z.peakLow);
    y.peakHigh = Math.max(y.peakHigh, z.peakHigh);
    y.end = z.end;
    y.endRaw = z.endRaw;
    out.pop();
  }
}
