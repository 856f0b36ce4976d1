// The output check's part for the structures (failover/output-check.ts): segments of segments tile
// the segments; the structure columns (what an engine hands over, and what the pivot and point
// objects are made from) agree with the lines and parents: each pivot's lines, raw bars, parent flag,
// mid, range and peaks; each point's line, types its side reports in pass order, divergence rate and
// related line. An engine's result is checked on its columns, so its objects need not be made; a
// result without them (a stream's snapshot) on the columns of its objects (plain arrays: small typed
// arrays cost ~1 us each to make, several times this check on a hot series' snapshot), whose other
// fields must then be what core/structures/index.ts makes of those columns. Loops return problem
// codes; the message is made afterwards.
import type { AnalysisOptions } from '../core/options.js';
import { POINT_TYPES, type Level } from '../core/structure-options.js';
import { lineColumnsOf, structureColumnsOf, type LineColumns } from '../core/result.js';
import { packTypes, type PivotColumns, type PointColumns } from '../core/structures/columns.js';
import type { AnalysisResult, Bars, BuySellPointType } from '../core/types.js';

/** Columns as the checks read them: an engine's typed columns, or plain arrays made of a snapshot's objects. */
type Readable<T> = { readonly [K in keyof T]: T[K] extends ArrayLike<number> ? ArrayLike<number> : T[K] };
interface CheckedLevel {
  readonly pivots: Readable<PivotColumns>;
  readonly points: Readable<PointColumns>;
}
type Checked = Readonly<Record<Level, CheckedLevel>>;
/** What the structure checks read of a result (or of an analyzer's structure tail). */
type StructurePart = Pick<AnalysisResult, 'penColumns' | 'segments' | 'segmentsOfSegments' | 'pivots' | 'buySellPoints'>;

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
export function checkSegmentsOfSegments(r: Pick<AnalysisResult, 'segments' | 'segmentsOfSegments'>): string | null {
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

/** A level's lines and parents (the parents' line ranges as columns), read by index. */
interface LevelView {
  readonly pens: boolean;
  readonly lines: LineColumns;
  readonly parentStart: readonly number[];
  readonly parentEnd: readonly number[];
  readonly parentConfirmed: readonly boolean[];
}

function levelView(r: StructurePart, level: Level, lines: LineColumns): LevelView {
  const pens = level === 'pen';
  const parents: readonly { startPen?: number; startSegment?: number; endPen?: number; endSegment?: number; confirmed: boolean }[] = pens
    ? r.segments
    : r.segmentsOfSegments;
  return {
    pens,
    lines,
    parentStart: parents.map((p) => (p.startPen ?? p.startSegment)!),
    parentEnd: parents.map((p) => (p.endPen ?? p.endSegment)!),
    parentConfirmed: parents.map((p) => p.confirmed),
  };
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
  'has wrong lines',
  'starts before the previous pivot',
  "has raw bars that are not its lines'",
  'has a confirmed flag that is neither 0 nor 1',
  "has a confirmed flag that is not its parent's",
  'has a mid that is not that of its first two lines',
  'has a range that is not the overlap of its first two lines',
  "has peaks that are not its lines' extremes",
  'has an inconsistent combined range',
  'has first two lines that do not overlap',
] as const;

/**
 * 0 when pivot i of the columns is well-formed, else the index of its problem in PIVOT_PROBLEMS: its
 * raw bars and parent flag match its lines and parent; its first two lines against the parent (lines
 * s and s + 2) overlap strictly and its mid is that of their overlap; without a combination (every
 * such line overlaps that range strictly, so each extended it) its range is that overlap and its
 * peaks the extremes of those lines. `q`: the parent search's position (advanced).
 */
function pivotProblem(z: Readable<PivotColumns>, i: number, v: LevelView, bars: Bars, q: { at: number }): number {
  const { lines, parentStart, parentEnd } = v;
  const n = lines.count;
  const s = z.begin[i]!,
    e = z.end[i]!;
  if (!(s >= 1 && e >= s + 2 && e < n && (e - s) % 2 === 0)) return 1;
  if (i > 0 && s <= z.begin[i - 1]!) return 2;
  if (z.beginRaw[i] !== lines.startRaw[s] || z.endRaw[i] !== lines.endRaw[e]) return 3;
  const flag = z.confirmed[i]!;
  if (flag !== 0 && flag !== 1) return 4;
  while (q.at < parentEnd.length && parentEnd[q.at]! < s) q.at++;
  const owned = q.at < parentEnd.length && parentStart[q.at]! <= s;
  if (flag !== (owned && v.parentConfirmed[q.at] ? 1 : 0)) return 5;
  const l0 = Math.max(lineBound(v, bars, s, false), lineBound(v, bars, s + 2, false)),
    h0 = Math.min(lineBound(v, bars, s, true), lineBound(v, bars, s + 2, true));
  if (!(h0 > l0)) return 10;
  if (z.mid[i] !== (l0 + h0) / 2) return 6;
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
  const low = z.low[i]!,
    high = z.high[i]!;
  if (!combined) {
    if (low !== l0 || high !== h0) return 7;
    if (z.peakLow[i] !== pl || z.peakHigh[i] !== ph) return 8;
  } else if (!(low <= l0 && high >= h0 && z.peakLow[i]! <= low && z.peakHigh[i]! >= high)) return 9;
  return 0;
}

const POINT_PROBLEMS = [
  '',
  'has a wrong line',
  'has no type',
  'has a type code that is none',
  'has a first type its side does not report',
  'has types out of pass order',
  'has a divergence rate flag that is neither 0 nor 1',
  'has a divergence rate without type 1',
  'has a wrong related line',
] as const;

/**
 * 0 when point i of the columns is well-formed, else the index of its problem in POINT_PROBLEMS: on a
 * line after the previous point's; its types (3-bit codes, columns.ts) valid, the first (which made
 * the point) reported for its line's side, later ones in pass order; a divergence rate only with type
 * 1/1p first; a related line (or -1) before its line.
 */
function pointProblem(p: Readable<PointColumns>, i: number, lines: LineColumns, o: AnalysisOptions, level: Level): number {
  const x = p.line[i]!;
  if (!(x >= 0 && x < lines.count) || (i > 0 && x <= p.line[i - 1]!)) return 1;
  const types = p.types[i]!;
  if (types === 0) return 2;
  // At most ten codes of 1 to 6, with no gap: the pass of code c is (c + 1) >> 1.
  if (types < 0 || types >= 1 << 30) return 3;
  let pass = 0;
  for (let t = types; t !== 0; t >>>= 3) {
    const code = t & 7;
    if (code === 0 || code === 7) return 3;
    if ((code + 1) >> 1 < pass) return 5;
    pass = (code + 1) >> 1;
  }
  const first = POINT_TYPES[(types & 7) - 1]!;
  if (!o.structures.points[level][lines.direction[x] === -1 ? 'buy' : 'sell'].types.includes(first)) return 4;
  const hasRate = p.hasRate[i]!;
  if (hasRate !== 0 && hasRate !== 1) return 6;
  if (hasRate === 1 && !(first === '1' || first === '1p')) return 7;
  const relate = p.relate[i]!;
  if (!(relate === -1 || (relate >= 0 && relate < x))) return 8;
  return 0;
}

const PIVOT_COLUMNS = ['begin', 'end', 'beginRaw', 'endRaw', 'low', 'high', 'mid', 'peakLow', 'peakHigh', 'confirmed'] as const;
const POINT_COLUMNS = ['line', 'types', 'relate', 'rate', 'hasRate'] as const;

/** A level's structure columns against its lines and parents (see pivotProblem, pointProblem). */
function levelProblem(r: StructurePart, c: CheckedLevel, lines: LineColumns, bars: Bars, level: Level, o: AnalysisOptions): string | null {
  const { pivots, points } = c;
  for (const k of PIVOT_COLUMNS)
    if (pivots[k].length !== pivots.count) return `${level} pivots' ${k} has ${pivots[k].length} values for ${pivots.count}`;
  for (const k of POINT_COLUMNS)
    if (points[k].length !== points.count) return `${level} points' ${k} has ${points[k].length} values for ${points.count}`;
  const v = levelView(r, level, lines);
  const q = { at: 0 };
  for (let i = 0; i < pivots.count; i++) {
    const problem = pivotProblem(pivots, i, v, bars, q);
    if (problem !== 0) return `${level} pivot ${i} ${PIVOT_PROBLEMS[problem]}`;
  }
  for (let i = 0; i < points.count; i++) {
    const problem = pointProblem(points, i, v.lines, o, level);
    if (problem !== 0) return `${level} point ${i} ${POINT_PROBLEMS[problem]}`;
  }
  return null;
}

/** The pivots and buy/sell points of both levels: on an engine's columns, or on those of the objects. */
export function checkStructures(r: StructurePart, bars: Bars, o: AnalysisOptions): string | null {
  const own = structureColumnsOf(r);
  const c = own ?? columnsOfObjects(r);
  if (typeof c === 'string') return c;
  // Each level's lines: the pen columns, or the segments' in their shape.
  const pens = r.penColumns,
    segments = lineColumnsOf(r.segments);
  const problem = levelProblem(r, c.pen, pens, bars, 'pen', o) ?? levelProblem(r, c.segment, segments, bars, 'segment', o);
  return problem ?? (own === null ? (objectsUnlike(r, 'pen', pens) ?? objectsUnlike(r, 'segment', segments)) : null);
}

/** The columns of a result's pivot and point objects (as columns.ts packs them), or the problem that stops making them. */
function columnsOfObjects(r: StructurePart): Checked | string {
  const level = (name: Level): CheckedLevel => {
    const zs = r.pivots[name],
      ps = r.buySellPoints[name];
    return {
      pivots: {
        count: zs.length,
        begin: zs.map((z) => z.startLine),
        end: zs.map((z) => z.endLine),
        beginRaw: zs.map((z) => z.startRaw),
        endRaw: zs.map((z) => z.endRaw),
        low: zs.map((z) => z.low),
        high: zs.map((z) => z.high),
        mid: zs.map((z) => z.mid),
        peakLow: zs.map((z) => z.peakLow),
        peakHigh: zs.map((z) => z.peakHigh),
        confirmed: zs.map((z) => (z.confirmed ? 1 : 0)),
      },
      points: {
        count: ps.length,
        line: ps.map((p) => p.line),
        types: ps.map((p) => packTypes(p.types)),
        relate: ps.map((p) => p.relatedLine ?? -1),
        rate: ps.map((p) => p.divergenceRate ?? 0),
        hasRate: ps.map((p) => (p.divergenceRate === null ? 0 : 1)),
      },
    };
  };
  try {
    return { pen: level('pen'), segment: level('segment') };
  } catch (e) {
    return `the structures cannot be read: ${(e as Error).message}`;
  }
}

/**
 * The first pivot or point object (its columns checked sound) with a field that is not what pivot()
 * and point() of core/structures/index.ts make of its columns and lines, or null.
 */
function objectsUnlike(r: StructurePart, level: Level, l: LineColumns): string | null {
  const n = l.count;
  const zs = r.pivots[level];
  for (let i = 0; i < zs.length; i++) {
    const z = zs[i]!;
    const k =
      z.index !== i
        ? 'index'
        : z.startTime !== l.startTime[z.startLine]
          ? 'startTime'
          : z.endTime !== l.endTime[z.endLine]
            ? 'endTime'
            : z.enteringLine !== z.startLine - 1
              ? 'enteringLine'
              : z.leavingLine !== (z.endLine + 1 < n ? z.endLine + 1 : null)
                ? 'leavingLine'
                : null;
    if (k !== null) return `${level} pivot ${i}: its ${k} is not what its lines make`;
  }
  const ps = r.buySellPoints[level];
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!,
      x = p.line;
    const k =
      p.rawIndex !== l.endRaw[x]
        ? 'rawIndex'
        : p.time !== l.endTime[x]
          ? 'time'
          : p.price !== l.endPrice[x]
            ? 'price'
            : p.side !== (l.direction[x] === -1 ? 'buy' : 'sell')
              ? 'side'
              : p.confirmed !== (l.confirmed[x] === 1)
                ? 'confirmed'
                : !p.types.every((t: BuySellPointType) => POINT_TYPES.includes(t))
                  ? 'types'
                  : null;
    if (k !== null) return `${level} point ${i}: its ${k} is not what its line makes`;
  }
  return null;
}
