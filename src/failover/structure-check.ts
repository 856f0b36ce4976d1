// The output check's part for the structures (failover/output-check.ts): segments of segments tile
// the segments; each pivot's lines, raw bars, times, parent flag, mid, range and peaks agree with its
// lines and parent; each buy/sell point sits at its line's end, on its side, with types its side
// reports in pass order. Loops return problem codes; the message is made afterwards.
import type { AnalysisOptions } from '../core/options.js';
import type { Level } from '../core/structure-options.js';
import { lineColumnsOf, type LineColumns } from '../core/result.js';
import type { AnalysisResult, Bars, BuySellPoint, Pivot } from '../core/types.js';

/** Structures turned off: none at all. */
export function checkNoStructures(r: AnalysisResult): string | null {
  const n =
    r.segmentsOfSegments.length +
    r.pivots.pen.length +
    r.pivots.segment.length +
    r.buySellPoints.pen.length +
    r.buySellPoints.segment.length;
  return n === 0 ? null : 'structures are off but the result holds some';
}

/** Segments of segments tile the segments as segments tile the pens. */
export function checkSegmentsOfSegments(r: AnalysisResult): string | null {
  const segs = r.segments,
    ss = r.segmentsOfSegments;
  if (ss.length === 0 ? segs.length >= 3 : segs.length - 1 - ss.at(-1)!.endSegment > 2)
    return 'the segments of segments leave segments uncovered';
  for (let j = 0; j < ss.length; j++) {
    const s = ss[j]!;
    if (s.index !== j) return `segment of segments ${j} has index ${s.index}`;
    const start = j === 0 ? 0 : ss[j - 1]!.endSegment + 1;
    if (s.startSegment !== start || s.endSegment < s.startSegment || s.endSegment >= segs.length)
      return `segment of segments ${j} segments ${s.startSegment}..${s.endSegment}`;
    const a = segs[s.startSegment]!,
      b = segs[s.endSegment]!;
    if (s.startRaw !== a.startRaw || s.startPrice !== a.startPrice || s.startTime !== a.startTime)
      return `segment of segments ${j} does not start where segment ${a.index} starts`;
    if (s.endRaw !== b.endRaw || s.endPrice !== b.endPrice || s.endTime !== b.endTime)
      return `segment of segments ${j} does not end where segment ${b.index} ends`;
    if (s.direction !== b.direction) return `segment of segments ${j} direction ${s.direction} is not its last segment's`;
    if (s.confirmed && s.endSegment - s.startSegment < 2) return `segment of segments ${j} is confirmed with fewer than 3 segments`;
  }
  return null;
}

/** The pass of the point rules that finds each type. */
const PASS: ReadonlyMap<string, number> = new Map([
  ['1', 1],
  ['1p', 1],
  ['2', 2],
  ['2s', 2],
  ['3a', 3],
  ['3b', 3],
]);

/** A level's lines and parents (the parents' line ranges as columns), read by index. */
interface LevelView {
  readonly pens: boolean;
  readonly lines: LineColumns;
  readonly parentStart: Int32Array;
  readonly parentEnd: Int32Array;
  readonly parentConfirmed: Uint8Array;
}

function levelView(r: AnalysisResult, level: Level): LevelView {
  const pens = level === 'pen';
  const parents = pens ? r.segments : r.segmentsOfSegments;
  const v = {
    pens,
    // The pen columns, or the segments' in their shape.
    lines: pens ? r.penColumns : lineColumnsOf(r.segments),
    parentStart: new Int32Array(parents.length),
    parentEnd: new Int32Array(parents.length),
    parentConfirmed: new Uint8Array(parents.length),
  };
  parents.forEach((p, i) => {
    v.parentStart[i] = 'startPen' in p ? p.startPen : p.startSegment;
    v.parentEnd[i] = 'endPen' in p ? p.endPen : p.endSegment;
    v.parentConfirmed[i] = p.confirmed ? 1 : 0;
  });
  return v;
}

/** Line i's range, its low (`high` false) or high: a pen's between its prices, a segment's from its raw bars. */
function lineBound(v: LevelView, bars: Bars, i: number, high: boolean): number {
  const l = v.lines;
  if (v.pens) return high ? Math.max(l.startPrice[i]!, l.endPrice[i]!) : Math.min(l.startPrice[i]!, l.endPrice[i]!);
  // An up segment runs from its start bar's low to its end bar's high.
  const up = l.direction[i] === 1;
  return high ? bars.high[up ? l.endRaw[i]! : l.startRaw[i]!]! : bars.low[up ? l.startRaw[i]! : l.endRaw[i]!]!;
}

const PIVOT_PROBLEMS = [
  '',
  'has a wrong index',
  'has wrong lines',
  'starts before the previous pivot',
  'has a wrong entering line',
  'has a wrong leaving line',
  "has raw bars or times that are not its lines'",
  "has a confirmed flag that is not its parent's",
  'has a mid that is not that of its first two lines',
  'has a range that is not the overlap of its first two lines',
  "has peaks that are not its lines' extremes",
  'has an inconsistent combined range',
] as const;

/**
 * 0 when pivot i of the level is well-formed, else the index of its problem in PIVOT_PROBLEMS: its
 * raw bars, times, entering and leaving lines and parent flag match its lines and parent; its mid is
 * that of the overlap of its first two lines against the parent (lines s and s + 2); without a
 * combination (every such line overlaps that range strictly, so each extended it) its range is that
 * overlap and its peaks the extremes of those lines. `q`: the parent search's position (advanced).
 */
function pivotProblem(z: Pivot, i: number, prev: Pivot | undefined, v: LevelView, bars: Bars, q: { at: number }): number {
  const { lines, parentStart, parentEnd } = v;
  const n = lines.count;
  if (z.index !== i) return 1;
  const s = z.startLine,
    e = z.endLine;
  if (!(s >= 1 && e >= s + 2 && e < n && (e - s) % 2 === 0)) return 2;
  if (prev !== undefined && s <= prev.startLine) return 3;
  if (z.enteringLine !== s - 1) return 4;
  if (z.leavingLine !== (e + 1 < n ? e + 1 : null)) return 5;
  if (
    z.startRaw !== lines.startRaw[s] ||
    z.startTime !== lines.startTime[s] ||
    z.endRaw !== lines.endRaw[e] ||
    z.endTime !== lines.endTime[e]
  )
    return 6;
  while (q.at < parentEnd.length && parentEnd[q.at]! < s) q.at++;
  const owned = q.at < parentEnd.length && parentStart[q.at]! <= s;
  if (z.confirmed !== (owned && v.parentConfirmed[q.at] === 1)) return 7;
  const l0 = Math.max(lineBound(v, bars, s, false), lineBound(v, bars, s + 2, false)),
    h0 = Math.min(lineBound(v, bars, s, true), lineBound(v, bars, s + 2, true));
  if (!(h0 > l0) || z.mid !== (l0 + h0) / 2) return 8;
  let combined = false,
    pl = Infinity,
    ph = -Infinity;
  for (let c = s; c <= e; c += 2) {
    const lo = lineBound(v, bars, c, false),
      hi = lineBound(v, bars, c, true);
    if (!(hi > l0 && h0 > lo)) combined = true;
    if (lo < pl) pl = lo;
    if (hi > ph) ph = hi;
  }
  if (!combined) {
    if (z.low !== l0 || z.high !== h0) return 9;
    if (z.peakLow !== pl || z.peakHigh !== ph) return 10;
  } else if (!(z.low <= l0 && z.high >= h0 && z.peakLow <= z.low && z.peakHigh >= z.high)) return 11;
  return 0;
}

const POINT_PROBLEMS = [
  '',
  'has a wrong line',
  "is not at its line's end",
  "has a side that is not its line's",
  "has a confirmed flag that is not its line's",
  'has no type',
  'has a first type its side does not report',
  'has types out of pass order',
  'has a divergence rate without type 1',
  'has a wrong related line',
] as const;

/**
 * 0 when point i is well-formed, else the index of its problem in POINT_PROBLEMS: at its line's end,
 * on the line's side, with its confirmed flag; its first type (which made the point) reported for its
 * side, later ones in pass order; a divergence rate only with type 1/1p first; a related line before it.
 */
function pointProblem(p: BuySellPoint, prev: BuySellPoint | undefined, lines: LineColumns, o: AnalysisOptions, level: Level): number {
  const i = p.line;
  if (!(i >= 0 && i < lines.count) || (prev !== undefined && i <= prev.line)) return 1;
  if (p.rawIndex !== lines.endRaw[i] || p.time !== lines.endTime[i] || p.price !== lines.endPrice[i]) return 2;
  if (p.side !== (lines.direction[i] === -1 ? 'buy' : 'sell')) return 3;
  if (p.confirmed !== (lines.confirmed[i] === 1)) return 4;
  const types = p.types;
  if (types.length === 0) return 5;
  if (!o.structures.points[level][p.side].types.includes(types[0]!)) return 6;
  for (let k = 1; k < types.length; k++) if (PASS.get(types[k]!)! < PASS.get(types[k - 1]!)!) return 7;
  if (!(types[0] === '1' || types[0] === '1p') && p.divergenceRate !== null) return 8;
  if (p.relatedLine !== null && !(p.relatedLine >= 0 && p.relatedLine < p.line)) return 9;
  return 0;
}

/** The pivots and buy/sell points of a level against its lines and parents (see pivotProblem, pointProblem). */
export function checkStructures(r: AnalysisResult, bars: Bars, level: Level, o: AnalysisOptions): string | null {
  const v = levelView(r, level);
  const zs = r.pivots[level];
  const q = { at: 0 };
  for (let i = 0; i < zs.length; i++) {
    const problem = pivotProblem(zs[i]!, i, i > 0 ? zs[i - 1] : undefined, v, bars, q);
    if (problem !== 0) return `${level} pivot ${i} ${PIVOT_PROBLEMS[problem]}`;
  }
  const ps = r.buySellPoints[level];
  for (let i = 0; i < ps.length; i++) {
    const problem = pointProblem(ps[i]!, i > 0 ? ps[i - 1] : undefined, v.lines, o, level);
    if (problem !== 0) return `${level} point ${i} ${POINT_PROBLEMS[problem]}`;
  }
  return null;
}
