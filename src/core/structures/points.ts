// Buy/sell points (买卖点) of one level: types 1 and 1p, then 2 and 2s, then 3a and 3b, each pass over
// the parents in order (docs/algorithms.md, "Buy/sell points"). chan.py's rules, with its quirks.
import type { PointOptions, Side, StructureOptions } from '../structure-options.js';
import type { BuySellPointType } from '../types.js';
import type { Lines, Parents } from './lines.js';
import type { PivotRecord } from './pivots.js';

export interface PointRecord {
  /** The line it sits on: its raw bar is the line's end raw bar, its price the line's end value. */
  readonly line: number;
  readonly side: Side;
  readonly types: BuySellPointType[];
  /** The line of the type-1 candidate it follows (types 2, 2s, 3a, 3b), or null. */
  relate: number | null;
  /** Type 1/1p: out metric / in metric (null when the line does not break the pivot). */
  divergenceRate: number | null;
}

/** One add of a point by a parent's pass (chan.py's add_bs call), kept so it can be replayed. */
export interface Intent {
  readonly t: BuySellPointType;
  readonly x: number;
  readonly relate: number | null;
  readonly target: boolean;
  readonly rate: number | null;
}

/**
 * The pivots each parent owns, for parents `base`..m - 1: pivots with an owner come first, in owner
 * order (those of the trailing scan after them), and `first(j)` is the index of the first pivot owned
 * by parent j or a later one. `reset` reuses the object (streaming: no allocation per bar).
 */
export class Owned {
  pivots: readonly PivotRecord[] = [];
  private base = 0;
  private start = new Int32Array(16);

  reset(pivots: readonly PivotRecord[], base: number, m: number): this {
    this.pivots = pivots;
    this.base = base;
    const len = Math.max(0, m - base) + 2;
    if (this.start.length < len) this.start = new Int32Array(Math.max(len, 2 * this.start.length));
    let k = 0;
    for (let j = base; j <= m + 1; j++) {
      while (k < pivots.length && pivots[k]!.owner >= 0 && pivots[k]!.owner < j) k++;
      this.start[j - base] = k;
    }
    return this;
  }

  first(j: number): number {
    return this.start[j - this.base]!;
  }
}

/** Reusable scratch of the point rules: a stored point index and a type-1 candidate flag per line. */
export class PointScratch {
  storedAt = new Int32Array(64);
  candidate = new Uint8Array(64);
  /** Room for `len` lines, cleared. */
  clear(len: number): void {
    if (this.storedAt.length < len) {
      this.storedAt = new Int32Array(Math.max(len, 2 * this.storedAt.length));
      this.candidate = new Uint8Array(this.storedAt.length);
    } else {
      this.storedAt.fill(0, 0, len);
      this.candidate.fill(0, 0, len);
    }
  }
}

/** The rules' view of a level: lines, parents, the pivots each parent owns. */
interface Level {
  readonly lines: Lines;
  readonly parents: Parents;
  readonly owned: Owned;
  readonly options: { readonly buy: PointOptions; readonly sell: PointOptions };
}

/**
 * The stored points and the type-1/1p candidates of lines `base`.. (at most one point per line): the
 * rules only add on the lines of the parents computed.
 */
class PointSet {
  private readonly storedAt: Int32Array;
  private readonly candidate: Uint8Array;
  private readonly len: number;
  readonly list: PointRecord[] = [];
  /** Where the adds of the parent being computed are recorded (null: not recorded). */
  record: Intent[] | null = null;
  constructor(
    private readonly level: Level,
    private readonly base: number,
    scratch: PointScratch,
  ) {
    this.len = Math.max(0, level.lines.n - base);
    scratch.clear(this.len);
    this.storedAt = scratch.storedAt;
    this.candidate = scratch.candidate;
  }

  stored(x: number): PointRecord | undefined {
    const k = x >= this.base ? this.storedAt[x - this.base] : 0;
    return k ? this.list[k - 1] : undefined;
  }

  hasCandidate(x: number): boolean {
    return x >= this.base && this.candidate[x - this.base] === 1;
  }

  /** chan.py's add_bs: a second type on a line joins its stored point; a type not reported is only a candidate (1/1p). */
  add(t: BuySellPointType, x: number, relate: number | null, target: boolean, rate: number | null): void {
    this.record?.push({ t, x, relate, target, rate });
    const existing = this.stored(x);
    if (existing !== undefined) {
      existing.types.push(t);
      if (existing.relate === null) existing.relate = relate;
      if (t === '1' || t === '1p') existing.divergenceRate = rate;
      return;
    }
    const side: Side = this.level.lines.dir[x] === -1 ? 'buy' : 'sell';
    if (!this.level.options[side].types.includes(t)) target = false;
    const isType1 = t === '1' || t === '1p';
    if (isType1) this.candidate[x - this.base] = 1;
    if (!target) return;
    this.list.push({ line: x, side, types: [t], relate, divergenceRate: isType1 ? rate : null });
    this.storedAt[x - this.base] = this.list.length;
  }

  /** The stored points in line order. */
  sorted(): PointRecord[] {
    const out: PointRecord[] = [];
    for (let i = 0; i < this.len; i++) if (this.storedAt[i]) out.push(this.list[this.storedAt[i]! - 1]!);
    return out;
  }
}

const NO_SPILL: readonly (readonly Intent[])[] = [[], [], []];

const sideOf = (dir: number): Side => (dir === -1 ? 'buy' : 'sell');

export interface PointsResult {
  /** Stored points on lines from the first line of parent `from` on, sorted by line. */
  readonly points: PointRecord[];
  /** The adds of parents from..recordTo - 1, by pass (1, 2, 3): intents[j - from][pass - 1]. */
  readonly intents: Intent[][][];
}

/**
 * The points of a level from parent `from` on (0: all). The parents before it are frozen: their
 * points are known, and `spill` holds their adds that land on lines of parents `from` and later, by
 * pass, replayed in order (a parent's adds land on its own lines and on the next two parents').
 */
export function buildPoints(
  lines: Lines,
  parents: Parents,
  owned: Owned,
  options: StructureOptions['points']['pen'],
  from = 0,
  spill: readonly (readonly Intent[])[] = NO_SPILL,
  recordTo = from,
  scratch: PointScratch = new PointScratch(),
): PointsResult {
  const level: Level = { lines, parents, owned, options };
  const first = from < parents.m ? parents.start[from]! : lines.n;
  const set = new PointSet(level, first, scratch);
  const intents: Intent[][][] = [];
  for (let j = from; j < recordTo; j++) intents.push([[], [], []]);
  for (let k = 0; k < 3; k++) {
    for (const i of spill[k]!) set.add(i.t, i.x, i.relate, i.target, i.rate);
    for (let j = from; j < parents.m; j++) {
      set.record = j < recordTo ? intents[j - from]![k]! : null;
      if (k === 0) typeOne(level, set, j);
      else if (k === 1) typeTwo(level, set, j);
      else typeThree(level, set, j);
    }
    set.record = null;
  }
  return { points: set.sorted(), intents };
}

/** Does line x break pivot z (a down line below its low, an up line above its high)? */
const breaks = (l: Lines, x: number, z: PivotRecord) => (l.dir[x] === -1 ? l.low[x]! < z.low : l.high[x]! > z.high);

/** Does line x come back into pivot z (a down line below its high, an up line above its low)? */
const comesBack = (l: Lines, x: number, z: PivotRecord) => (l.dir[x] === -1 ? l.low[x]! < z.high : l.high[x]! > z.low);

/** Pass 1: types 1 and 1p at parent j's last line E, with the options of the parent's side. */
function typeOne(level: Level, set: PointSet, j: number): void {
  const { lines, parents } = level;
  const o = level.options[sideOf(parents.dir[j]!)];
  const e = parents.end[j]!;
  const from = level.owned.first(j);
  const cnt = level.owned.first(j + 1) - from;
  let target = o.minPivotCount <= 0 || cnt >= o.minPivotCount;
  const z = cnt > 0 ? level.owned.pivots[from + cnt - 1] : undefined;
  const out = z === undefined ? -1 : z.end + 1 < lines.n ? z.end + 1 : -1;
  if (z !== undefined && ((out >= 0 && out >= e) || z.end >= e) && e - (z.begin - 1) > 2) {
    // Peak: no line of the pivot (up to E) goes beyond its out line.
    let peak = out >= 0;
    if (peak) {
      for (let y = z.begin; y <= z.end && y <= e; y++) {
        if (lines.dir[out] === -1 ? lines.low[y]! < lines.low[out]! : lines.high[y]! > lines.high[out]!) peak = false;
      }
    }
    if (o.bsp1Peak && !peak) target = false;
    let rate: number | null = null;
    if (!breaks(lines, e, z)) target = false;
    else {
      const mOut = lines.metric(e),
        mIn = lines.metric(z.begin - 1);
      rate = mOut / mIn;
      if (!(o.divergenceRate > 100 || mOut <= o.divergenceRate * mIn)) target = false;
    }
    set.add('1', e, null, target, rate);
    return;
  }
  // 1p: against the line two before E (chan.py's list index: E 0 or 1 reads from the end).
  const pre = e >= 2 ? e - 2 : lines.n + e - 2;
  if (pre < 0 || pre >= lines.n) return;
  if (parents.ofLine[e] !== parents.ofLine[pre] || lines.dir[e] !== parents.dir[j]) return;
  if (lines.dir[e] === -1 ? !(lines.low[e]! <= lines.low[pre]!) : !(lines.high[e]! >= lines.high[pre]!)) return;
  const mOut = lines.metric(e),
    mPre = lines.metric(pre);
  if (!(mOut <= o.divergenceRate * mPre)) target = false;
  set.add('1p', e, null, target, mOut / (mPre + 1e-7));
}

/** The line b1 a parent's types 2 and 3 follow (none for a single parent: chan.py's setup of both passes). */
const typeOneLine = (p: Parents, j: number) => (p.m > 1 ? p.end[j]! : -1);

/** The options types 2 and 3 use: the parent's side, or for a single parent the opposite side (chan.py). */
const followOptions = (level: Level, j: number) =>
  level.options[sideOf(level.parents.m > 1 ? level.parents.dir[j]! : -level.parents.dir[j]!)];

/** Does b1 have a stored point (the follow_1 options' test)? */
const followsOne = (set: PointSet, b1: number) => b1 >= 0 && set.stored(b1) !== undefined;

/** Pass 2: type 2 (the first retracement after the break) and 2s (later ones in its band). */
function typeTwo(level: Level, set: PointSet, j: number): void {
  const { lines, parents } = level;
  const n = lines.n,
    m = parents.m;
  const b1 = typeOneLine(parents, j),
    o = followOptions(level, j);
  if (!o.types.includes('2') && !o.types.includes('2s')) return;
  let k: number, b2: number;
  if (m > 1) {
    if (b1 + 2 >= n) return;
    k = b1 + 1;
    b2 = b1 + 2;
  } else {
    if (n === 1) return;
    k = 0;
    b2 = 1;
  }
  if (o.bsp2Follow1 && !followsOne(set, b1)) return;
  const relate = set.hasCandidate(b1) ? b1 : null;
  const ampK = Math.abs(lines.end[k]! - lines.begin[k]!);
  const r = Math.abs(lines.end[b2]! - lines.begin[b2]!) / ampK;
  if (r <= o.maxBsp2Rate) set.add('2', b2, relate, true, null);
  else if (o.bsp2sFollow2) return;
  if (!o.types.includes('2s')) return;
  let bandLow = 0,
    bandHigh = 0;
  for (let lv = 1, s = b2 + 2; s < n; lv++, s += 2) {
    if (o.maxBsp2sLevel !== null && lv > o.maxBsp2sLevel) break;
    const ps = parents.ofLine[s]!,
      pb2 = parents.ofLine[b2]!;
    if (ps !== pb2 && !(ps >= m - 1 && ps - pb2 < 2 && parents.confirmed[pb2] !== 1)) break;
    if (lv === 1) {
      if (!(lines.high[s]! > lines.low[b2]! && lines.high[b2]! > lines.low[s]!)) break;
      bandLow = Math.max(lines.low[b2]!, lines.low[s]!);
      bandHigh = Math.min(lines.high[b2]!, lines.high[s]!);
    } else if (!(lines.high[s]! > bandLow && bandHigh > lines.low[s]!)) break;
    if (lines.dir[s] === -1 ? lines.low[s]! < lines.low[k]! : lines.high[s]! > lines.high[k]!) break;
    const rs = Math.abs(lines.end[s]! - lines.end[k]!) / ampK;
    if (rs > o.maxBsp2Rate) break;
    set.add('2s', s, relate, true, null);
  }
}

/** Pass 3: type 3a (after the next parent's first pivot) and 3b (after this parent's last pivot). */
function typeThree(level: Level, set: PointSet, j: number): void {
  const { lines, parents } = level;
  const n = lines.n,
    m = parents.m;
  const b1 = typeOneLine(parents, j),
    o = followOptions(level, j);
  if (!o.types.includes('3a') && !o.types.includes('3b')) return;
  // The next parent N (none after the last), and the index chan.py compares with.
  const next = m > 1 ? (j + 1 < m ? j + 1 : -1) : j;
  const nidx = m > 1 ? j + 1 : j;
  if (o.bsp3Follow1 && !followsOne(set, b1)) return;
  const relate = set.hasCandidate(b1) ? b1 : null;
  const { pivots } = level.owned;
  // N's pivots: pivots[nFrom..nTo).
  const nFrom = next >= 0 ? level.owned.first(next) : 0,
    nTo = next >= 0 ? level.owned.first(next + 1) : 0;
  // 3a.
  if (nTo > nFrom) {
    if (!(o.strictBsp3 && pivots[nFrom]!.begin - 1 !== b1 + 1)) {
      const take = Math.min(o.bsp3aMaxPivotCount, nTo - nFrom);
      for (let q = 0; q < take; q++) {
        const z = pivots[nFrom + q]!;
        const out = z.end + 1 < n ? z.end + 1 : -1;
        if (out < 0 || out + 1 >= n) break;
        const x = out + 1;
        const px = parents.ofLine[x]!;
        if (px >= m && next !== m - 1) break;
        if (px < m && px !== next && parents.end[px]! - parents.start[px]! + 1 >= 3) break;
        if (lines.dir[x] === parents.dir[next]) break;
        if (px !== nidx && nidx < m - 2) break;
        if (comesBack(lines, x, z)) continue;
        if (o.bsp3Peak && !(lines.dir[x] === -1 ? lines.high[x]! >= z.peakHigh : lines.low[x]! <= z.peakLow)) continue;
        set.add('3a', x, relate, true, null);
      }
    }
  }
  // 3b.
  const mineTo = level.owned.first(j + 1);
  if (mineTo === level.owned.first(j) || b1 < 0) return;
  const c = pivots[mineTo - 1]!;
  if (o.strictBsp3 && (c.end + 1 >= n || c.end + 1 !== b1)) return;
  let limit = Infinity;
  if (next >= 0 && !(nTo === nFrom && next === m - 1)) {
    limit = parents.end[next]! - 1;
    for (let q = nFrom; q < nTo; q++) {
      if (pivots[q]!.end + 1 < n) {
        limit = pivots[q]!.end + 1;
        break;
      }
    }
  }
  for (let x = b1 + 2; x < n && x <= limit; x += 2) {
    const px = parents.ofLine[x]!;
    if (px !== nidx && px < m - 1) break;
    if (comesBack(lines, x, c)) continue;
    set.add('3b', x, relate, true, null);
    break;
  }
}
