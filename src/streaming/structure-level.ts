// The structures of one level (pen or segment) kept up to date bar by bar, with the same answer as
// a batch computation over all lines. The level holds its own copy of its lines and parents (local
// indices: 0 is the first kept one), so the kernel's window never takes what it still reads.
//
// What never changes again is frozen instead of recomputed. A parent's pivots depend only on its own
// lines, so those of the fixed parents are frozen. A parent's points depend on its lines and on the
// next two parents (and on the parent count, monotonically), so the points of parent P are final once
// P + 3 < F (F fixed parents): they are frozen with the adds those parents make on later lines
// ("spill", replayed in pass order), so each update computes only the last few parents.
import type { StructureEvent } from '../core/events.js';
import type { Level, StructureOptions } from '../core/structure-options.js';
import { shapePivot, shapePoint } from '../core/structures/index.js';
import { buildPivots, type PivotRecord } from '../core/structures/pivots.js';
import { buildPoints, Owned, PointScratch, type Intent, type PointRecord } from '../core/structures/points.js';
import type { BuySellPoint, Pivot } from '../core/types.js';
import { LineColumns, ParentColumns, type Column } from './level-columns.js';
import { pivotEvents, pointEvents } from './structure-events.js';

/** A level's state as a blob holds it (see save/load). */
export interface SavedLevel {
  readonly n: number;
  readonly m: number;
  readonly lineBase: number;
  readonly parentBase: number;
  readonly pivotIndexBase: number;
  readonly pivotParents: number;
  readonly pointParents: number;
  readonly frozen: PivotRecord[];
  readonly frozenShaped: Pivot[];
  readonly fresh: PivotRecord[];
  readonly freshPivots: Pivot[];
  readonly freshPoints: BuySellPoint[];
  readonly spill: Intent[][];
  readonly donePivots: Pivot[];
  readonly donePoints: BuySellPoint[];
}

export class StructureLevel {
  readonly lines = new LineColumns();
  readonly parents = new ParentColumns();
  /** Global indices of local line 0 and parent 0. */
  lineBase = 0;
  parentBase = 0;
  /** Shaped pivots and points that can no longer change (those before the window's start dropped). */
  private donePivots: Pivot[] = [];
  private donePoints: BuySellPoint[] = [];
  /** Global index of frozen[0]. */
  private pivotIndexBase = 0;
  /** Pivots owned by parents pointParents..pivotParents-1: final, still read by the point rules. */
  private frozen: PivotRecord[] = [];
  private frozenShaped: Pivot[] = [];
  private pivotParents = 0;
  /** Parents whose points are final, and their adds on lines of later parents, by pass. */
  private pointParents = 0;
  private spill: Intent[][] = [[], [], []];
  /** The last update's pivots (of parents from pivotParents on, and after the last parent) and points. */
  private fresh: PivotRecord[] = [];
  private freshPivots: Pivot[] = [];
  private freshPoints: BuySellPoint[] = [];
  /** Scratch reused by every update. */
  private readonly owned = new Owned();
  private readonly scratch = new PointScratch();

  constructor(readonly level: Level) {}

  /** Sets global line g (lines past the count are added). `metric` is its divergence metric. */
  setLine(
    g: number,
    dir: number,
    low: number,
    high: number,
    begin: number,
    end: number,
    beginRaw: number,
    endRaw: number,
    beginTime: number,
    endTime: number,
    confirmed: boolean,
    metric: number,
  ): void {
    const l = this.lines,
      i = g - this.lineBase;
    if (i >= l.n) {
      l.reserve(i + 1);
      l.n = i + 1;
    }
    l.dir[i] = dir;
    l.low[i] = low;
    l.high[i] = high;
    l.begin[i] = begin;
    l.end[i] = end;
    l.beginRaw[i] = beginRaw;
    l.endRaw[i] = endRaw;
    l.beginTime[i] = beginTime;
    l.endTime[i] = endTime;
    l.confirmed[i] = confirmed ? 1 : 0;
    l.metricValue[i] = metric;
  }

  /** Keeps the lines before global index g (a removal). */
  truncateLines(g: number): void {
    this.lines.n = Math.min(this.lines.n, g - this.lineBase);
  }

  /** Sets global parent g over global lines start..end. */
  setParent(g: number, start: number, end: number, dir: number, confirmed: boolean): void {
    const p = this.parents,
      j = g - this.parentBase;
    if (j >= p.m) {
      p.reserve(j + 1);
      p.m = j + 1;
    }
    p.start[j] = start - this.lineBase;
    p.end[j] = end - this.lineBase;
    p.dir[j] = dir;
    p.confirmed[j] = confirmed ? 1 : 0;
  }

  truncateParents(g: number): void {
    this.parents.m = Math.min(this.parents.m, g - this.parentBase);
  }

  /**
   * Recomputes the structures after lines and parents were set: parents before global index
   * `fixedParents` (and their lines) never change again. Appends the events of what changed.
   */
  update(fixedParents: number, options: StructureOptions, events: StructureEvent[]): void {
    const { lines, parents, level } = this;
    const fixed = fixedParents - this.parentBase;
    // The parents whose points become final with this update: their adds are recorded for the spill.
    const recordTo = Math.max(this.pointParents, fixed - 3);
    parents.mapLines(this.pointParents, lines.n);
    const fresh = buildPivots(lines, parents, options.combinePivots, [], this.pivotParents);
    const owned = this.owned.reset(this.frozen.length === 0 ? fresh : this.frozen.concat(fresh), this.pointParents, parents.m);
    const { points, intents } = buildPoints(
      lines,
      parents,
      owned,
      options.points[level],
      this.pointParents,
      this.spill,
      recordTo,
      this.scratch,
    );
    const base = this.pivotIndexBase + this.frozen.length;
    const pivots = fresh.map((z, i) => this.shapedPivot(z, base + i, i));
    const shaped = this.shapedPoints(points);
    pivotEvents(level, this.freshPivots, pivots, base, events);
    pointEvents(level, this.freshPoints, shaped, lines, this.lineBase, events);
    this.fresh = fresh;
    this.freshPivots = pivots;
    this.freshPoints = shaped;
    this.freeze(fixed, intents);
  }

  /** Pivot z shaped, or the object shaped last time when nothing it shows changed (no garbage, no event). */
  private shapedPivot(z: PivotRecord, index: number, i: number): Pivot {
    const old = this.fresh[i],
      prev = this.freshPivots[i],
      l = this.lines;
    if (
      old !== undefined &&
      prev !== undefined &&
      prev.index === index &&
      old.begin === z.begin &&
      old.end === z.end &&
      old.beginRaw === z.beginRaw &&
      old.endRaw === z.endRaw &&
      old.low === z.low &&
      old.high === z.high &&
      old.mid === z.mid &&
      old.peakLow === z.peakLow &&
      old.peakHigh === z.peakHigh &&
      old.confirmed === z.confirmed &&
      (prev.leavingLine === null) === !(z.end + 1 < l.n) &&
      prev.startTime === l.beginTime[z.begin] &&
      prev.endTime === l.endTime[z.end]
    )
      return prev;
    return shapePivot(z, index, l, this.lineBase);
  }

  /** The points shaped, reusing last time's object for a point whose every field is unchanged. */
  private shapedPoints(points: readonly PointRecord[]): BuySellPoint[] {
    const before = this.freshPoints,
      l = this.lines,
      lb = this.lineBase;
    const out: BuySellPoint[] = new Array(points.length);
    let j = 0;
    for (let i = 0; i < points.length; i++) {
      const r = points[i]!,
        line = lb + r.line;
      while (j < before.length && before[j]!.line < line) j++;
      const prev = before[j];
      const same =
        prev !== undefined &&
        prev.line === line &&
        prev.side === r.side &&
        prev.rawIndex === l.endRaw[r.line] &&
        prev.price === l.end[r.line] &&
        prev.time === l.endTime[r.line] &&
        prev.confirmed === (l.confirmed[r.line] === 1) &&
        Object.is(prev.divergenceRate, r.divergenceRate) &&
        prev.relatedLine === (r.relate === null ? null : lb + r.relate) &&
        prev.types.length === r.types.length &&
        prev.types.every((t, k) => t === r.types[k]);
      out[i] = same ? prev : shapePoint(r, l, lb);
    }
    return out;
  }

  /** Moves what the fixed parents (local count) make final out of the recomputed part. */
  private freeze(fixed: number, intents: Intent[][][]): void {
    const { parents, lines } = this;
    if (fixed > this.pivotParents) {
      let k = 0;
      while (k < this.fresh.length && this.fresh[k]!.owner >= 0 && this.fresh[k]!.owner < fixed) k++;
      for (let i = 0; i < k; i++) {
        this.frozen.push(this.fresh[i]!);
        this.frozenShaped.push(shapePivot(this.fresh[i]!, this.freshPivots[i]!.index, lines, this.lineBase));
      }
      this.fresh = this.fresh.slice(k);
      this.freshPivots = this.freshPivots.slice(k);
      this.pivotParents = fixed;
    }
    const k = Math.max(this.pointParents, fixed - 3);
    if (k <= this.pointParents) return;
    const first = parents.start[k]!,
      firstGlobal = this.lineBase + first;
    let done = 0;
    while (done < this.freshPoints.length && this.freshPoints[done]!.line < firstGlobal) done++;
    for (let i = 0; i < done; i++) this.donePoints.push(this.freshPoints[i]!);
    this.freshPoints = this.freshPoints.slice(done);
    let gone = 0;
    while (gone < this.frozen.length && this.frozen[gone]!.owner < k) gone++;
    for (let i = 0; i < gone; i++) this.donePivots.push(this.frozenShaped[i]!);
    this.frozen = this.frozen.slice(gone);
    this.frozenShaped = this.frozenShaped.slice(gone);
    this.pivotIndexBase += gone;
    const spill: Intent[][] = [[], [], []];
    for (let pass = 0; pass < 3; pass++) {
      for (const i of this.spill[pass]!) if (i.x >= first) spill[pass]!.push(i);
      for (let j = this.pointParents; j < k; j++)
        for (const i of intents[j - this.pointParents]![pass]!) if (i.x >= first) spill[pass]!.push(i);
    }
    this.spill = spill;
    this.pointParents = k;
  }

  /** Every pivot and point held (with a window, those ending before its start are gone). */
  pivots(): Pivot[] {
    return this.donePivots.concat(this.frozenShaped, this.freshPivots);
  }

  points(): BuySellPoint[] {
    return this.donePoints.concat(this.freshPoints);
  }

  /** The last `n` pivots held (all when there are fewer), and the global pivot count. */
  lastPivots(n: number): { items: Pivot[]; total: number } {
    return {
      items: lastOf([this.donePivots, this.frozenShaped, this.freshPivots], n),
      total: this.pivotIndexBase + this.frozen.length + this.fresh.length,
    };
  }

  /** The last `n` points held (all when there are fewer), and how many are held. */
  lastPoints(n: number): { items: BuySellPoint[]; total: number } {
    return { items: lastOf([this.donePoints, this.freshPoints], n), total: this.donePoints.length + this.freshPoints.length };
  }

  /** Bytes held, roughly: line and parent columns by capacity, and ~250 bytes per pivot or point object. */
  get memoryBytes(): number {
    const objects = this.donePivots.length + this.frozen.length + this.fresh.length + this.donePoints.length + this.freshPoints.length;
    return this.lines.dir.length * 90 + this.parents.start.length * 14 + this.parents.ofLine.length * 4 + objects * 250;
  }

  /** Global index of the first parent whose points are recomputed (the ones before are final). */
  get finalParents(): number {
    return this.parentBase + this.pointParents;
  }

  /**
   * Drops what ends before raw bar `beforeRaw` and is final: parents before finalParents (and before
   * global index `maxParents`), the lines before the first kept parent (and before global index
   * `maxLines`), and the final pivots and points. Returns how many lines and parents went.
   */
  drop(beforeRaw: number, maxLines: number, maxParents: number): { lines: number; parents: number } {
    const { lines, parents } = this;
    let dp = 0;
    const dpMax = Math.min(this.pointParents, maxParents - this.parentBase);
    while (dp < dpMax && lines.endRaw[parents.end[dp]!]! < beforeRaw) dp++;
    let dl = 0;
    const dlMax = Math.min(dp < parents.m ? parents.start[dp]! : lines.n, maxLines - this.lineBase);
    while (dl < dlMax && lines.endRaw[dl]! < beforeRaw) dl++;
    if (dp > 0 || dl > 0) {
      this.frozen = this.frozen.map((z) => shiftPivot(z, dl, dp));
      this.fresh = this.fresh.map((z) => shiftPivot(z, dl, dp));
      this.spill = this.spill.map((pass) => pass.map((i) => ({ ...i, x: i.x - dl, relate: i.relate === null ? null : i.relate - dl })));
      this.pivotParents -= dp;
      this.pointParents -= dp;
      lines.drop(dl);
      parents.drop(dp, dl);
      this.lineBase += dl;
      this.parentBase += dp;
    }
    let i = 0;
    while (i < this.donePivots.length && this.donePivots[i]!.endRaw < beforeRaw) i++;
    if (i > 0) this.donePivots = this.donePivots.slice(i);
    i = 0;
    while (i < this.donePoints.length && this.donePoints[i]!.rawIndex < beforeRaw) i++;
    if (i > 0) this.donePoints = this.donePoints.slice(i);
    return { lines: dl, parents: dp };
  }

  save(prefix: string, arrays: Record<string, Column>): SavedLevel {
    this.lines.save(prefix, arrays);
    const p = this.parents;
    arrays[prefix + 'parents'] = Int32Array.from({ length: 4 * p.m }, (_, k) => {
      const j = k >> 2;
      return [p.start[j]!, p.end[j]!, p.dir[j]!, p.confirmed[j]!][k & 3]!;
    });
    return {
      n: this.lines.n,
      m: p.m,
      lineBase: this.lineBase,
      parentBase: this.parentBase,
      pivotIndexBase: this.pivotIndexBase,
      pivotParents: this.pivotParents,
      pointParents: this.pointParents,
      frozen: this.frozen,
      frozenShaped: this.frozenShaped,
      fresh: this.fresh,
      freshPivots: this.freshPivots,
      freshPoints: this.freshPoints,
      spill: this.spill,
      donePivots: this.donePivots,
      donePoints: this.donePoints,
    };
  }

  load(s: SavedLevel, prefix: string, arrays: Record<string, Column>): void {
    this.lines.load(s.n, prefix, arrays);
    const p = this.parents,
      a = arrays[prefix + 'parents']!;
    p.reserve(s.m);
    p.m = s.m;
    for (let j = 0; j < s.m; j++) {
      p.start[j] = a[4 * j]!;
      p.end[j] = a[4 * j + 1]!;
      p.dir[j] = a[4 * j + 2]!;
      p.confirmed[j] = a[4 * j + 3]!;
    }
    this.lineBase = s.lineBase;
    this.parentBase = s.parentBase;
    this.pivotIndexBase = s.pivotIndexBase;
    this.pivotParents = s.pivotParents;
    this.pointParents = s.pointParents;
    this.frozen = s.frozen;
    this.frozenShaped = s.frozenShaped;
    this.fresh = s.fresh;
    this.freshPivots = s.freshPivots;
    this.freshPoints = s.freshPoints;
    this.spill = s.spill;
    this.donePivots = s.donePivots;
    this.donePoints = s.donePoints;
  }
}

/** The last `n` items of the lists joined, without joining them. */
function lastOf<T>(lists: readonly (readonly T[])[], n: number): T[] {
  let skip = lists.reduce((sum, l) => sum + l.length, 0) - n;
  const out: T[] = [];
  for (const l of lists) {
    for (let i = Math.max(0, skip); i < l.length; i++) out.push(l[i]!);
    skip -= l.length;
  }
  return out;
}

function shiftPivot(z: PivotRecord, lines: number, parents: number): PivotRecord {
  return {
    ...z,
    begin: z.begin - lines,
    end: z.end - lines,
    owner: z.owner >= 0 ? z.owner - parents : -1,
  };
}
