// Pivots (中枢) of one level; twin of src/core/structures/pivots.ts. One scan per parent over the
// lines against its direction, then one trailing scan over the lines after the last parent; adjacent
// pivots of one parent merge when their ranges touch (docs/algorithms.md, "Pivots").
import { alloc, getF64, getI32, getI8, setF64, setI32, setI8 } from './mem';

/** The lines of a level (pens, or segments) as columns, with their divergence metric. */
export class Lines {
  constructor(
    public n: i32,
    public dir: usize, // i8: 1 up, -1 down
    public low: usize, // f64
    public high: usize, // f64
    public begin: usize, // f64
    public end: usize, // f64
    public beginRaw: usize, // i32
    public endRaw: usize, // i32
    public confirmed: usize, // i8
    public metric: usize, // f64
  ) {}
}

/** The parents over the lines (segments over pens, segments of segments over segments). */
export class Parents {
  m: i32 = 0;
  start: usize = 0; // i32
  end: usize = 0; // i32
  dir: usize = 0; // i8
  confirmed: usize = 0; // i8
  /** i32 per line: the parent whose range holds it, m for lines after the last parent. */
  ofLine: usize = 0;
}

/** Parents from segment columns (start, end: i32 line indices; dir, confirmed: i8) over n lines. */
export function parentsOf(m: i32, start: usize, end: usize, dir: usize, confirmed: usize, n: i32): Parents {
  const p = new Parents();
  p.m = m;
  p.start = start;
  p.end = end;
  p.dir = dir;
  p.confirmed = confirmed;
  p.ofLine = alloc(n << 2);
  for (let i = 0; i < n; i++) setI32(p.ofLine, i, m);
  for (let j = 0; j < m; j++) {
    const to = min(n, getI32(end, j) + 1);
    for (let i = getI32(start, j); i < to; i++) setI32(p.ofLine, i, j);
  }
  return p;
}

/** Pivot columns (at most one pivot per two lines: room for n). */
export class Pivots {
  count: i32 = 0;
  begin: usize = 0; // i32
  end: usize = 0; // i32
  beginRaw: usize = 0; // i32
  endRaw: usize = 0; // i32
  low: usize = 0; // f64
  high: usize = 0; // f64
  mid: usize = 0; // f64
  peakLow: usize = 0; // f64
  peakHigh: usize = 0; // f64
  confirmed: usize = 0; // i8
  /** i32: the parent owning it (whose range holds `begin`), or -1 for a pivot of the trailing scan. */
  owner: usize = 0;

  constructor(cap: i32) {
    const c = max(cap, 1);
    this.begin = alloc(c << 2);
    this.end = alloc(c << 2);
    this.beginRaw = alloc(c << 2);
    this.endRaw = alloc(c << 2);
    this.low = alloc(c << 3);
    this.high = alloc(c << 3);
    this.mid = alloc(c << 3);
    this.peakLow = alloc(c << 3);
    this.peakHigh = alloc(c << 3);
    this.confirmed = alloc(c);
    this.owner = alloc(c << 2);
  }
}

function overlapsStrictly(l1: f64, h1: f64, l2: f64, h2: f64): bool {
  return h2 > l1 && h1 > l2;
}
function touches(l1: f64, h1: f64, l2: f64, h2: f64): bool {
  return h2 >= l1 && h1 >= l2;
}

/** The pivots of every parent and of the trailing lines; `combine`: zs_combine. */
export function buildPivots(l: Lines, p: Parents, combine: bool): Pivots {
  const z = new Pivots(l.n);
  const m = p.m;
  if (m == 0) return z;
  for (let j = 0; j < m; j++) scan(l, p, getI32(p.start, j), getI32(p.end, j), getI8(p.dir, j), getI8(p.confirmed, j) == 1, combine, z);
  const after = getI32(p.end, m - 1) + 1;
  if (after < l.n) scan(l, p, after, l.n - 1, -getI8(p.dir, m - 1), false, combine, z);
  return z;
}

/** One scan over lines first..last in direction `dir`, whose pivots carry `confirmed`. */
function scan(l: Lines, p: Parents, first: i32, last: i32, dir: i32, confirmed: bool, combine: bool, z: Pivots): void {
  // F, the candidates since the last pivot this scan made: only their count and the last one matter.
  let fCount = 0,
    prev = -1;
  // Has this scan made a pivot? With no candidate since (fCount 0), the next candidate may extend it.
  let made = false;
  for (let c = first; c <= last; c++) {
    if (getI8(l.dir, c) == dir) continue;
    const cl = getF64(l.low, c),
      ch = getF64(l.high, c);
    if (made && fCount == 0) {
      // Extension: the candidate overlaps the last pivot's range strictly.
      const k = z.count - 1;
      if (overlapsStrictly(getF64(z.low, k), getF64(z.high, k), cl, ch)) {
        setI32(z.end, k, c);
        setI32(z.endRaw, k, getI32(l.endRaw, c));
        if (cl < getF64(z.peakLow, k)) setF64(z.peakLow, k, cl);
        if (ch > getF64(z.peakHigh, k)) setF64(z.peakHigh, k, ch);
        continue;
      }
    }
    fCount++;
    const a = prev;
    prev = c;
    if (fCount < 2) continue;
    const al = getF64(l.low, a),
      ah = getF64(l.high, a);
    const lo = max(al, cl),
      hi = min(ah, ch);
    // A pivot needs an entering line: none starts at line 0.
    if (!(hi > lo) || a == 0) continue;
    const k = z.count++;
    setI32(z.begin, k, a);
    setI32(z.end, k, c);
    setI32(z.beginRaw, k, getI32(l.beginRaw, a));
    setI32(z.endRaw, k, getI32(l.endRaw, c));
    setF64(z.low, k, lo);
    setF64(z.high, k, hi);
    setF64(z.mid, k, (lo + hi) / 2);
    setF64(z.peakLow, k, min(al, cl));
    setF64(z.peakHigh, k, max(ah, ch));
    setI8(z.confirmed, k, confirmed ? 1 : 0);
    const owner = getI32(p.ofLine, a);
    setI32(z.owner, k, owner < p.m ? owner : -1);
    fCount = 0;
    made = true;
    if (combine) combineLast(p, z);
  }
}

/** Merges the last pivot into the one before while both belong to one parent and their ranges touch. */
function combineLast(p: Parents, z: Pivots): void {
  while (z.count >= 2) {
    const y = z.count - 2,
      k = z.count - 1;
    const yl = getF64(z.low, y),
      yh = getF64(z.high, y),
      kl = getF64(z.low, k),
      kh = getF64(z.high, k);
    if (getI32(p.ofLine, getI32(z.begin, y)) != getI32(p.ofLine, getI32(z.begin, k)) || !touches(yl, yh, kl, kh)) return;
    // The union of the two ranges; the mid stays the first range's.
    setF64(z.low, y, min(yl, kl));
    setF64(z.high, y, max(yh, kh));
    setF64(z.peakLow, y, min(getF64(z.peakLow, y), getF64(z.peakLow, k)));
    setF64(z.peakHigh, y, max(getF64(z.peakHigh, y), getF64(z.peakHigh, k)));
    setI32(z.end, y, getI32(z.end, k));
    setI32(z.endRaw, y, getI32(z.endRaw, k));
    z.count--;
  }
}
