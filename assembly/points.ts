// Buy/sell points (买卖点) of one level; twin of src/core/structures/points.ts. Types 1 and 1p, then 2
// and 2s, then 3a and 3b, each pass over the parents in order (docs/algorithms.md, "Buy/sell points").
import { alloc, getF64, getI32, getI8, setF64, setI32, setI8 } from './mem';
import { Lines, Parents, Pivots } from './pivots';

// Type codes (a point's types: 3 bits each in add order, the first in the low bits).
export const T1: i32 = 1,
  T1P: i32 = 2,
  T2: i32 = 3,
  T2S: i32 = 4,
  T3A: i32 = 5,
  T3B: i32 = 6;

// The options of one side (f64 each; the host writes them: src/engines/wasm/engine.ts). A level's
// block holds the buy side then the sell side.
export const O_DIVERGENCE: i32 = 0,
  O_MIN_PIVOTS: i32 = 1,
  O_MAX_BSP2: i32 = 2,
  O_BSP1_PEAK: i32 = 3,
  O_BSP2_FOLLOW1: i32 = 4,
  O_BSP3_FOLLOW1: i32 = 5,
  O_BSP3_PEAK: i32 = 6,
  O_BSP2S_FOLLOW2: i32 = 7,
  /** Deepest 2s level; no limit is +Infinity. */
  O_MAX_BSP2S_LEVEL: i32 = 8,
  O_STRICT_BSP3: i32 = 9,
  O_BSP3A_MAX_PIVOTS: i32 = 10,
  /** Bit (1 << code) for every type reported. */
  O_TYPES: i32 = 11,
  SIDE_OPTIONS: i32 = 12;

/** Point columns, in line order once built (at most one point per line: room for n). */
export class Points {
  count: i32 = 0;
  line: usize = 0; // i32
  types: usize = 0; // i32, packed codes
  relate: usize = 0; // i32, -1 none
  rate: usize = 0; // f64
  hasRate: usize = 0; // i8

  constructor(cap: i32) {
    const c = max(cap, 1);
    this.line = alloc(c << 2);
    this.types = alloc(c << 2);
    this.relate = alloc(c << 2);
    this.rate = alloc(c << 3);
    this.hasRate = alloc(c);
  }
}

/** The rules' view of a level: lines, parents, the pivots each parent owns, the options block. */
class Level {
  l: Lines;
  p: Parents;
  z: Pivots;
  /** i32 per parent 0..m + 1: index of the first pivot owned by that parent or a later one. */
  first: usize;
  opt: usize;
  /** Stored points as added (1-based index per line in storedAt), and type-1/1p candidates per line. */
  added: Points;
  storedAt: usize;
  candidate: usize;

  constructor(l: Lines, p: Parents, z: Pivots, opt: usize) {
    this.l = l;
    this.p = p;
    this.z = z;
    this.opt = opt;
    this.added = new Points(l.n);
    this.storedAt = alloc(max(l.n, 1) << 2);
    this.candidate = alloc(max(l.n, 1));
    memory.fill(this.storedAt, 0, (<usize>l.n) << 2);
    memory.fill(this.candidate, 0, <usize>l.n);
    const m = p.m;
    const first = alloc((m + 2) << 2);
    let k = 0;
    for (let j = 0; j <= m + 1; j++) {
      while (k < z.count && getI32(z.owner, k) >= 0 && getI32(z.owner, k) < j) k++;
      setI32(first, j, k);
    }
    this.first = first;
  }

  /** Option `o` of the side of a line or parent running `dir` (down: buy). */
  // @ts-ignore: decorator
  @inline option(dir: i32, o: i32): f64 {
    return getF64(this.opt, (dir == -1 ? 0 : SIDE_OPTIONS) + o);
  }

  // @ts-ignore: decorator
  @inline flag(dir: i32, o: i32): bool {
    return this.option(dir, o) != 0;
  }

  // @ts-ignore: decorator
  @inline reports(dir: i32, t: i32): bool {
    return ((<i32>this.option(dir, O_TYPES)) & (1 << t)) != 0;
  }

  stored(x: i32): bool {
    return x >= 0 && getI32(this.storedAt, x) != 0;
  }

  /** chan.py's add_bs: a second type on a line joins its stored point; a type not reported is only a candidate (1/1p). */
  add(t: i32, x: i32, relate: i32, target: bool, rate: f64, hasRate: bool): void {
    const a = this.added;
    const k = getI32(this.storedAt, x) - 1;
    const isType1 = t == T1 || t == T1P;
    if (k >= 0) {
      const v = getI32(a.types, k);
      let s = 0;
      while (((v >> s) & 7) != 0) s += 3;
      if (s > 27) abort('a line holds more than ten point types');
      setI32(a.types, k, v | (t << s));
      if (getI32(a.relate, k) < 0) setI32(a.relate, k, relate);
      if (isType1) {
        setF64(a.rate, k, rate);
        setI8(a.hasRate, k, hasRate ? 1 : 0);
      }
      return;
    }
    if (!this.reports(getI8(this.l.dir, x), t)) target = false;
    if (isType1) setI8(this.candidate, x, 1);
    if (!target) return;
    const i = a.count++;
    setI32(a.line, i, x);
    setI32(a.types, i, t);
    setI32(a.relate, i, relate);
    setF64(a.rate, i, isType1 && hasRate ? rate : 0);
    setI8(a.hasRate, i, isType1 && hasRate ? 1 : 0);
    setI32(this.storedAt, x, i + 1);
  }
}

/** The stored points of a level, sorted by line; `opt`: the level's options block. */
export function buildPoints(l: Lines, p: Parents, z: Pivots, opt: usize): Points {
  const out = new Points(l.n);
  const v = new Level(l, p, z, opt);
  for (let j = 0; j < p.m; j++) typeOne(v, j);
  for (let j = 0; j < p.m; j++) typeTwo(v, j);
  for (let j = 0; j < p.m; j++) typeThree(v, j);
  const a = v.added;
  let k = 0;
  for (let x = 0; x < l.n; x++) {
    const i = getI32(v.storedAt, x) - 1;
    if (i < 0) continue;
    setI32(out.line, k, x);
    setI32(out.types, k, getI32(a.types, i));
    setI32(out.relate, k, getI32(a.relate, i));
    setF64(out.rate, k, getF64(a.rate, i));
    setI8(out.hasRate, k, getI8(a.hasRate, i));
    k++;
  }
  out.count = k;
  return out;
}

/** Does line x break pivot k (a down line below its low, an up line above its high)? */
function breaks(l: Lines, x: i32, z: Pivots, k: i32): bool {
  return getI8(l.dir, x) == -1 ? getF64(l.low, x) < getF64(z.low, k) : getF64(l.high, x) > getF64(z.high, k);
}

/** Does line x come back into pivot k (a down line below its high, an up line above its low)? */
function comesBack(l: Lines, x: i32, z: Pivots, k: i32): bool {
  return getI8(l.dir, x) == -1 ? getF64(l.low, x) < getF64(z.high, k) : getF64(l.high, x) > getF64(z.low, k);
}

/** Pass 1: types 1 and 1p at parent j's last line E, with the options of the parent's side. */
function typeOne(v: Level, j: i32): void {
  const l = v.l,
    p = v.p,
    z = v.z;
  const side = getI8(p.dir, j);
  const e = getI32(p.end, j);
  const from = getI32(v.first, j);
  const cnt = getI32(v.first, j + 1) - from;
  const minPivots = v.option(side, O_MIN_PIVOTS);
  const divergence = v.option(side, O_DIVERGENCE);
  let target = minPivots <= 0 || <f64>cnt >= minPivots;
  if (cnt > 0) {
    const k = from + cnt - 1;
    const zb = getI32(z.begin, k),
      ze = getI32(z.end, k);
    const out = ze + 1 < l.n ? ze + 1 : -1;
    if (((out >= 0 && out >= e) || ze >= e) && e - (zb - 1) > 2) {
      // Peak: no line of the pivot (up to E) goes beyond its out line.
      let peak = out >= 0;
      if (peak) {
        const down = getI8(l.dir, out) == -1;
        for (let y = zb; y <= ze && y <= e; y++) {
          if (down ? getF64(l.low, y) < getF64(l.low, out) : getF64(l.high, y) > getF64(l.high, out)) peak = false;
        }
      }
      if (v.flag(side, O_BSP1_PEAK) && !peak) target = false;
      let rate: f64 = 0,
        hasRate = false;
      if (!breaks(l, e, z, k)) target = false;
      else {
        const mOut = getF64(l.metric, e),
          mIn = getF64(l.metric, zb - 1);
        rate = mOut / mIn;
        hasRate = true;
        if (!(divergence > 100 || mOut <= divergence * mIn)) target = false;
      }
      v.add(T1, e, -1, target, rate, hasRate);
      return;
    }
  }
  // 1p: against the line two before E (chan.py's list index: E 0 or 1 reads from the end).
  const pre = e >= 2 ? e - 2 : l.n + e - 2;
  if (pre < 0 || pre >= l.n) return;
  if (getI32(p.ofLine, e) != getI32(p.ofLine, pre) || getI8(l.dir, e) != side) return;
  if (getI8(l.dir, e) == -1 ? !(getF64(l.low, e) <= getF64(l.low, pre)) : !(getF64(l.high, e) >= getF64(l.high, pre))) return;
  const mOut = getF64(l.metric, e),
    mPre = getF64(l.metric, pre);
  if (!(mOut <= divergence * mPre)) target = false;
  v.add(T1P, e, -1, target, mOut / (mPre + 1e-7), true);
}

/** The line b1 a parent's types 2 and 3 follow (none for a single parent: chan.py's setup of both passes). */
function typeOneLine(p: Parents, j: i32): i32 {
  return p.m > 1 ? getI32(p.end, j) : -1;
}

/** The side types 2 and 3 use: the parent's, or for a single parent the opposite one (chan.py). */
function followSide(p: Parents, j: i32): i32 {
  return p.m > 1 ? getI8(p.dir, j) : -getI8(p.dir, j);
}

/** Pass 2: type 2 (the first retracement after the break) and 2s (later ones in its band). */
function typeTwo(v: Level, j: i32): void {
  const l = v.l,
    p = v.p;
  const n = l.n,
    m = p.m;
  const b1 = typeOneLine(p, j),
    side = followSide(p, j);
  const with2s = v.reports(side, T2S);
  if (!v.reports(side, T2) && !with2s) return;
  let k: i32, b2: i32;
  if (m > 1) {
    if (b1 + 2 >= n) return;
    k = b1 + 1;
    b2 = b1 + 2;
  } else {
    if (n == 1) return;
    k = 0;
    b2 = 1;
  }
  if (v.flag(side, O_BSP2_FOLLOW1) && !v.stored(b1)) return;
  const relate = b1 >= 0 && getI8(v.candidate, b1) == 1 ? b1 : -1;
  const maxRate = v.option(side, O_MAX_BSP2);
  const ampK = abs(getF64(l.end, k) - getF64(l.begin, k));
  const r = abs(getF64(l.end, b2) - getF64(l.begin, b2)) / ampK;
  if (r <= maxRate) v.add(T2, b2, relate, true, 0, false);
  else if (v.flag(side, O_BSP2S_FOLLOW2)) return;
  if (!with2s) return;
  const maxLevel = v.option(side, O_MAX_BSP2S_LEVEL);
  let bandLow: f64 = 0,
    bandHigh: f64 = 0;
  for (let lv = 1, s = b2 + 2; s < n; lv++, s += 2) {
    if (<f64>lv > maxLevel) break;
    const ps = getI32(p.ofLine, s),
      pb2 = getI32(p.ofLine, b2);
    if (ps != pb2 && !(ps >= m - 1 && ps - pb2 < 2 && getI8(p.confirmed, pb2) != 1)) break;
    const sl = getF64(l.low, s),
      sh = getF64(l.high, s);
    if (lv == 1) {
      const bl = getF64(l.low, b2),
        bh = getF64(l.high, b2);
      if (!(sh > bl && bh > sl)) break;
      bandLow = max(bl, sl);
      bandHigh = min(bh, sh);
    } else if (!(sh > bandLow && bandHigh > sl)) break;
    if (getI8(l.dir, s) == -1 ? sl < getF64(l.low, k) : sh > getF64(l.high, k)) break;
    const rs = abs(getF64(l.end, s) - getF64(l.end, k)) / ampK;
    if (rs > maxRate) break;
    v.add(T2S, s, relate, true, 0, false);
  }
}

/** Pass 3: type 3a (after the next parent's first pivot) and 3b (after this parent's last pivot). */
function typeThree(v: Level, j: i32): void {
  const l = v.l,
    p = v.p,
    z = v.z;
  const n = l.n,
    m = p.m;
  const b1 = typeOneLine(p, j),
    side = followSide(p, j);
  if (!v.reports(side, T3A) && !v.reports(side, T3B)) return;
  // The next parent N (none after the last), and the index chan.py compares with.
  const next = m > 1 ? (j + 1 < m ? j + 1 : -1) : j;
  const nidx = m > 1 ? j + 1 : j;
  if (v.flag(side, O_BSP3_FOLLOW1) && !v.stored(b1)) return;
  const relate = b1 >= 0 && getI8(v.candidate, b1) == 1 ? b1 : -1;
  const strict = v.flag(side, O_STRICT_BSP3);
  // N's pivots: nFrom..nTo - 1.
  const nFrom = next >= 0 ? getI32(v.first, next) : 0,
    nTo = next >= 0 ? getI32(v.first, next + 1) : 0;
  // 3a.
  if (nTo > nFrom) {
    if (!(strict && getI32(z.begin, nFrom) - 1 != b1 + 1)) {
      const take = min(<i32>v.option(side, O_BSP3A_MAX_PIVOTS), nTo - nFrom);
      const peak3 = v.flag(side, O_BSP3_PEAK);
      for (let q = 0; q < take; q++) {
        const k = nFrom + q;
        const ze = getI32(z.end, k);
        const out = ze + 1 < n ? ze + 1 : -1;
        if (out < 0 || out + 1 >= n) break;
        const x = out + 1;
        const px = getI32(p.ofLine, x);
        if (px >= m && next != m - 1) break;
        if (px < m && px != next && getI32(p.end, px) - getI32(p.start, px) + 1 >= 3) break;
        if (getI8(l.dir, x) == getI8(p.dir, next)) break;
        if (px != nidx && nidx < m - 2) break;
        if (comesBack(l, x, z, k)) continue;
        if (peak3 && !(getI8(l.dir, x) == -1 ? getF64(l.high, x) >= getF64(z.peakHigh, k) : getF64(l.low, x) <= getF64(z.peakLow, k)))
          continue;
        v.add(T3A, x, relate, true, 0, false);
      }
    }
  }
  // 3b.
  const mineTo = getI32(v.first, j + 1);
  if (mineTo == getI32(v.first, j) || b1 < 0) return;
  const c = mineTo - 1;
  const ce = getI32(z.end, c);
  if (strict && (ce + 1 >= n || ce + 1 != b1)) return;
  let limit = i32.MAX_VALUE;
  if (next >= 0 && !(nTo == nFrom && next == m - 1)) {
    limit = getI32(p.end, next) - 1;
    for (let q = nFrom; q < nTo; q++) {
      if (getI32(z.end, q) + 1 < n) {
        limit = getI32(z.end, q) + 1;
        break;
      }
    }
  }
  for (let x = b1 + 2; x < n && x <= limit; x += 2) {
    const px = getI32(p.ofLine, x);
    if (px != nidx && px < m - 1) break;
    if (comesBack(l, x, z, c)) continue;
    v.add(T3B, x, relate, true, 0, false);
    break;
  }
}
