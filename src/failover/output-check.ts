// The always-on validation of an engine's output: catches corrupted or truncated results before they
// reach a caller. It checks the structure against itself and the input bars, without recomputing the
// analysis: merged bars tile the raw bars in strict order; every fractal (and no other merged bar) has
// the shape its type says, at the price and apex raw bar of its merged bar; pens (the pen columns, of
// which an engine's result makes its pen objects) join end to start on fractals, at the apex raw
// bars, prices and times of their merged bars, and only the last one may be provisional (exactly
// when it does not end on a fractal of its type); segments join pen
// ends with equal raw bars, prices and times, and carry an end case exactly when confirmed; the
// structures as structure-check.ts says. Cost:
// O(merged bars + the raw bars of the merged bars that fractals and pens sit on); bench/README.md.
// What it cannot see (a confirmed segment's case 1 swapped with case 2, merged-bar and MACD values
// that nothing refers to) is left to the shadow comparison with the backup engine.
//
// Speed (it runs on every result): the merged bars and fractals are screened by a pass that does not
// branch on the data, and a second pass finds the first problem only when that fails; pens are read
// once, each one's start from the pen before it; loops return numbers (a bad index or a problem
// code), as V8 keeps them several times faster than loops that can return a message.
import type { AnalysisOptions } from '../core/options.js';
import type { Level } from '../core/structure-options.js';
import { BOTTOM, TOP } from '../core/records.js';
import type { AnalysisResult, Bars, BuySellPoint, Fractals, MergedBars, Pivot } from '../core/types.js';
import { checkNoStructures, checkSegmentsOfSegments, checkStructures } from './structure-check.js';

/** Returns a description of the first problem found, or null when the output is well-formed. */
export function checkOutput(r: AnalysisResult, bars: Bars, options: AnalysisOptions): string | null {
  const n = bars.high.length;
  if (r.barCount !== n) return `barCount ${r.barCount} != ${n} bars`;
  return (
    checkMerged(r, bars, true) ??
    checkPens(r, bars) ??
    checkSegments(r) ??
    (options.structures.enabled ? (checkSegmentsOfSegments(r) ?? checkStructures(r, bars, options)) : checkNoStructures(r)) ??
    checkMacd(r, n)
  );
}

/**
 * The check of a streaming analyzer's last pens (StreamingAnalyzer.penTail): its merged bars from
 * the one before the first pen's start, the fractals after that one and the pens, against the bars
 * from that merged bar's first, as checkOutput checks them in a whole result (but for the first
 * merged bar's direction, which only a whole series' first bar has fixed).
 */
export function checkPenTail(part: Part, bars: Bars): string | null {
  return checkMerged(part, bars, false) ?? checkPens(part, bars);
}

/** The same for an analyzer's last segments (StreamingAnalyzer.segmentTail): their pens as checkPenTail checks them, and the segments on those pens. */
export function checkSegmentTail(part: Part & Pick<AnalysisResult, 'segments'>, bars: Bars): string | null {
  return checkPenTail(part, bars) ?? checkSegments(part);
}

/**
 * The same for an analyzer's last pivots and points of a level (StreamingAnalyzer.structureTail):
 * the segments and pens they sit on as checkSegmentTail checks them, at the segment level the
 * segments of segments over those segments, and the pivots and points on those as checkOutput checks
 * a result's.
 */
export function checkStructureTail(
  part: Part &
    Pick<AnalysisResult, 'segments' | 'segmentsOfSegments'> & {
      readonly level: Level;
      readonly pivots: readonly Pivot[];
      readonly points: readonly BuySellPoint[];
    },
  bars: Bars,
  options: AnalysisOptions,
): string | null {
  const pen = part.level === 'pen';
  const structures = {
    penColumns: part.penColumns,
    segments: part.segments,
    segmentsOfSegments: part.segmentsOfSegments,
    pivots: { pen: pen ? part.pivots : [], segment: pen ? [] : part.pivots },
    buySellPoints: { pen: pen ? part.points : [], segment: pen ? [] : part.points },
  };
  return (pen ? checkSegmentTail(part, bars) : checkSegsegTail(part, bars)) ?? checkStructures(structures, bars, options);
}

/** The same for an analyzer's last segments of segments (StreamingAnalyzer.segsegTail): their segments and pens as checkSegmentTail checks them, and the segments of segments on those. */
export function checkSegsegTail(part: Part & Pick<AnalysisResult, 'segments' | 'segmentsOfSegments'>, bars: Bars): string | null {
  return checkSegmentTail(part, bars) ?? checkSegmentsOfSegments(part);
}

/** What the merged-bar and pen checks read of a result. */
type Part = Pick<AnalysisResult, 'merged' | 'fractals' | 'penColumns'>;

/**
 * Fractal type of merged bar k. Merged bars that are strictly ordered as their directions say (what
 * the merged-bar check verifies) make bar k a top exactly when it is up and the next one down, a
 * bottom when the reverse.
 */
function shape(dir: Int8Array, k: number): number {
  const a = dir[k],
    b = dir[k + 1];
  return a === 1 && b === -1 ? TOP : a === -1 && b === 1 ? BOTTOM : 0;
}

/** Apex of merged bar k: the last raw bar whose high (top) or low (bottom) is the merged extreme, or -1. */
function apex(m: MergedBars, bars: Bars, k: number, top: boolean): number {
  const price = top ? m.high[k]! : m.low[k]!;
  const col = top ? bars.high : bars.low;
  for (let raw = m.rawEnd[k]!, first = m.rawStart[k]!; raw >= first; raw--) if (col[raw] === price) return raw;
  return -1;
}

/**
 * The merged bars and, in the same pass, the fractal list (exactly the merged bars of fractal shape).
 * `whole`: the bars are a whole series, whose first merged bar is up.
 */
function checkMerged(r: Part, bars: Bars, whole: boolean): string | null {
  const m = r.merged,
    f = r.fractals,
    n = bars.high.length,
    c = m.count;
  if (!(c >= 1 && c <= n)) return `merged count ${c} out of range`;
  for (const k of ['high', 'low', 'dir', 'rawStart', 'rawEnd'] as const) {
    if (m[k].length !== c) return `merged.${k} has ${m[k].length} values for ${c} bars`;
  }
  for (const k of ['type', 'mergedIndex', 'rawIndex', 'price'] as const) {
    if (f[k].length !== f.count) return `fractals.${k} has ${f[k].length} values for ${f.count} fractals`;
  }
  if (m.rawStart[0] !== 0 || m.rawEnd[0]! < 0 || m.rawEnd[c - 1] !== n - 1) return 'merged bars do not cover the raw bars';
  if (whole ? m.dir[0] !== 1 : m.dir[0]! * m.dir[0]! !== 1) return `merged bar 0 has direction ${m.dir[0]}`;
  if (mergedBarsSound(m, f, bars)) return null;
  const k = badMergedBar(m, f, bars);
  // The two passes check the same: this is a safeguard should they ever disagree.
  if (k === -1) return 'merged bars or fractals fail the screening pass';
  if (k >= 0) {
    const h = m.high[k]!,
      l = m.low[k]!;
    if (!(Number.isFinite(h) && Number.isFinite(l) && h >= l)) return `merged bar ${k} has high ${h}, low ${l}`;
    if (k > 0 && (m.rawStart[k] !== m.rawEnd[k - 1]! + 1 || m.rawEnd[k]! < m.rawStart[k]!)) return `merged bar ${k} raw range is broken`;
    return `merged bar ${k} is not ordered after bar ${k - 1} as its direction says`;
  }
  // -2 - j: fractal j is wrong, or (j = count) a fractal is missing after the last listed one.
  const j = -2 - k;
  const at = j < f.count ? f.mergedIndex[j]! : -1;
  const listed =
    j < f.count
      ? `fractal ${j} (${f.type[j] === TOP ? 'top' : f.type[j] === BOTTOM ? 'bottom' : `type ${f.type[j]}`} at merged bar ${at})`
      : '';
  if (j >= f.count || at > expectedFractal(m.dir, c, j === 0 ? 0 : f.mergedIndex[j - 1]!)) {
    return `merged bar ${expectedFractal(m.dir, c, j === 0 ? 0 : f.mergedIndex[j - 1]!)} is a fractal missing from the list${listed ? ` (next listed: ${listed})` : ''}`;
  }
  if (at !== expectedFractal(m.dir, c, j === 0 ? 0 : f.mergedIndex[j - 1]!)) return `${listed} has a wrong merged index`;
  if (shape(m.dir, at) !== f.type[j]) return `${listed} has a wrong type`;
  if (f.price[j] !== (f.type[j] === TOP ? m.high[at] : m.low[at])) return `${listed} has a wrong price`;
  return `${listed} has a wrong raw index`;
}

/** The first merged bar after `after` whose shape is a fractal (count - 1 when there is none). */
function expectedFractal(dir: Int8Array, count: number, after: number): number {
  let k = after + 1;
  while (k < count - 1 && shape(dir, k) === 0) k++;
  return k;
}

/**
 * The screening pass of the merged bars and fractals: true when all is well, the same verdict as
 * badMergedBar's but several times faster, as nothing in its loops branches on the data (a bar's
 * direction is a factor, not a branch). badMergedBar then finds the first problem for the message.
 * The fractal list is exactly the merged bars of fractal shape when its merged indices increase,
 * each listed bar has that shape, and there are as many as the bars of that shape.
 */
function mergedBarsSound(m: MergedBars, f: Fractals, bars: Bars): boolean {
  const { high, low, dir, rawStart, rawEnd } = m;
  const c = m.count;
  let ph = high[0]!,
    pl = low[0]!,
    pe = rawEnd[0]!,
    shapes = 0;
  if (!(ph - ph === 0 && pl - pl === 0 && ph >= pl)) return false;
  for (let k = 1; k < c; k++) {
    const h = high[k]!,
      l = low[k]!,
      d = dir[k]!,
      s = rawStart[k]!,
      e = rawEnd[k]!;
    // Finite, high >= low, raw ranges contiguous, strictly ordered as the direction (1 or -1) says.
    if (!(h - h === 0 && l - l === 0 && h >= l && s === pe + 1 && e >= s && d * d === 1 && (h - ph) * d > 0 && (l - pl) * d > 0))
      return false;
    // Bar k - 1 (from 1) has fractal shape when its direction and bar k's differ: 1 ^ -1 is -2.
    if (k >= 2) shapes -= (dir[k - 1]! ^ d) >> 1;
    ph = h;
    pl = l;
    pe = e;
  }
  const { type, mergedIndex, rawIndex, price } = f;
  if (f.count !== shapes) return false;
  let prev = 0;
  for (let j = 0; j < f.count; j++) {
    const k = mergedIndex[j]!,
      t = type[j]!;
    if (!(k > prev && k < c - 1 && dir[k] !== dir[k + 1] && t === dir[k])) return false;
    if (price[j] !== (t === TOP ? high[k] : low[k]) || rawIndex[j] !== apex(m, bars, k, t === TOP)) return false;
    prev = k;
  }
  return true;
}

/**
 * One pass: the first merged bar k with a non-finite or inverted range, a broken raw range, or out of
 * order (returns k); or the first fractal j that is not the next merged bar of fractal shape, with its
 * type, price and apex (returns -2 - j; j = count when one is missing at the end); -1 when all is well.
 */
function badMergedBar(m: MergedBars, f: Fractals, bars: Bars): number {
  const { high, low, dir, rawStart, rawEnd } = m;
  const { type, mergedIndex, rawIndex, price } = f;
  const c = m.count,
    fc = f.count;
  let ph = high[0]!,
    pl = low[0]!,
    j = 0;
  if (!(ph - ph === 0 && pl - pl === 0 && ph >= pl)) return 0;
  for (let k = 1; k < c; k++) {
    const h = high[k]!,
      l = low[k]!,
      d = dir[k];
    // Finite (x - x is NaN for NaN and Infinity), high >= low, raw ranges contiguous, and strictly
    // ordered after the previous bar as the direction says (what inclusion leaves).
    if (!(h - h === 0 && l - l === 0 && h >= l)) return k;
    if (rawStart[k] !== rawEnd[k - 1]! + 1 || rawEnd[k]! < rawStart[k]!) return k;
    if (!(d === 1 ? h > ph && l > pl : d === -1 && h < ph && l < pl)) return k;
    ph = h;
    pl = l;
    // Bar k - 1 is now known ordered on both sides: a fractal exactly when its shape says so.
    const t = k >= 2 ? shape(dir, k - 1) : 0;
    if (t === 0) {
      if (j < fc && mergedIndex[j] === k - 1) return -2 - j;
      continue;
    }
    if (j >= fc || mergedIndex[j] !== k - 1 || type[j] !== t) return -2 - j;
    if (price[j] !== (t === TOP ? high[k - 1] : low[k - 1]) || rawIndex[j] !== apex(m, bars, k - 1, t === TOP)) return -2 - j;
    j++;
  }
  return j === fc ? -1 : -2 - j;
}

const PEN_PROBLEMS = [
  '',
  'direction',
  'merged range',
  'provisional flag: only the last pen may be provisional',
  'direction: pens alternate',
  'start: it does not start where the previous pen ends',
  'start raw bar: not its merged bar apex',
  'start price',
  'start time',
  'end raw bar: not its merged bar apex',
  'end price',
  'end time',
  'start: not on a fractal of its type',
  'confirmed flag: it does not end on a fractal of its type',
  'provisional flag: it ends on a fractal of its type',
  'confirmed flag: neither 0 nor 1',
] as const;

/**
 * The first problem of the pen columns as pen * 16 + its index in PEN_PROBLEMS, or -1 when they are
 * well-formed. Pens and their ends are in order: the fractal list (checked against the merged bars,
 * it gives their apex raw bars and prices) is walked forward along with them.
 */
function firstPenProblem(r: Part, bars: Bars): number {
  const { count, direction, confirmed, startMerged, endMerged, startRaw, endRaw, startPrice, endPrice, startTime, endTime } = r.penColumns;
  const m = r.merged,
    { mergedIndex, type, rawIndex, price } = r.fractals,
    fc = r.fractals.count,
    time = bars.timestamp;
  let j = 0;
  for (let i = 0; i < count; i++) {
    const d = direction[i]!,
      flag = confirmed[i]!,
      s = startMerged[i]!,
      e = endMerged[i]!,
      er = endRaw[i]!;
    // An up pen (d = 1) starts at a bottom (-1: the low apex) and ends at a top (1: the high apex).
    if (d !== 1 && d !== -1) return i * 16 + 1;
    if (flag > 1) return i * 16 + 15;
    if (!(s >= 0 && e < m.count && s < e)) return i * 16 + 2;
    if (flag === 0 && i < count - 1) return i * 16 + 3;
    if (i > 0) {
      // Pen i - 1 is confirmed (only the last pen may be provisional): it was checked to end on a
      // fractal, the one of this pen's start type, at that fractal's apex, price and time.
      if (direction[i - 1] === d) return i * 16 + 4;
      if (endMerged[i - 1] !== s) return i * 16 + 5;
      if (startRaw[i] !== endRaw[i - 1]) return i * 16 + 6;
      if (startPrice[i] !== endPrice[i - 1]) return i * 16 + 7;
      if (startTime[i] !== endTime[i - 1]) return i * 16 + 8;
    } else {
      while (j < fc && mergedIndex[j]! < s) j++;
      if (!(j < fc && mergedIndex[j] === s && type[j] === -d)) return i * 16 + 12;
      if (startRaw[i] !== rawIndex[j]) return i * 16 + 6;
      if (startPrice[i] !== price[j]) return i * 16 + 7;
      if (startTime[i] !== time[startRaw[i]!]) return i * 16 + 8;
    }
    while (j < fc && mergedIndex[j]! < e) j++;
    const b = j < fc && mergedIndex[j] === e && type[j] === d ? j : -1;
    if (b < 0 && flag === 1) return i * 16 + 13;
    if (er !== (b >= 0 ? rawIndex[b] : apex(m, bars, e, d === 1))) return i * 16 + 9;
    if (endPrice[i] !== (b >= 0 ? price[b] : d === 1 ? m.high[e] : m.low[e])) return i * 16 + 10;
    if (endTime[i] !== time[er]) return i * 16 + 11;
    // A provisional pen never ends on a fractal of its type: it ends at the last merged bar (no
    // fractal), or it is a virtual pen from the last confirmed end s, which the pen rule accepts at a
    // fractal f only as virtual, i.e. when the strict check's next bar f + 1 reaches s's high (low);
    // then the highest (lowest) bar from f + 1 on, the last bar or a top (bottom) fractal, would have
    // extended the pen that ends at s instead.
    if (flag === 0 && b >= 0) return i * 16 + 14;
  }
  return -1;
}

/** The columns of PenColumns (all but count). */
export const PEN_COLUMNS = [
  'direction',
  'startMerged',
  'endMerged',
  'startRaw',
  'endRaw',
  'startPrice',
  'endPrice',
  'startTime',
  'endTime',
  'confirmed',
] as const;

/** The pen columns (what `pens` is made from, or made from). */
function checkPens(r: Part, bars: Bars): string | null {
  const pc = r.penColumns;
  for (const k of PEN_COLUMNS) if (pc[k].length !== pc.count) return `penColumns.${k} has ${pc[k].length} values for ${pc.count} pens`;
  const p = firstPenProblem(r, bars);
  return p < 0 ? null : `pen ${p >> 4} has a wrong ${PEN_PROBLEMS[p & 15]}`;
}

function checkSegments(r: Pick<AnalysisResult, 'penColumns' | 'segments'>): string | null {
  const pens = r.penColumns,
    n = pens.count,
    segs = r.segments;
  // Segments tile the pens from the first; at most two pens after the last one stay outside.
  if (segs.length === 0 ? n >= 3 : n - 1 - segs.at(-1)!.endPen > 2) return 'the segments leave pens uncovered';
  for (let j = 0; j < segs.length; j++) {
    const s = segs[j]!;
    if (s.index !== j) return `segment ${j} has index ${s.index}`;
    const start = j === 0 ? 0 : segs[j - 1]!.endPen + 1;
    if (s.startPen !== start || s.endPen < s.startPen || s.endPen >= n) return `segment ${j} pens ${s.startPen}..${s.endPen}`;
    const a = s.startPen,
      b = s.endPen;
    if (s.startRaw !== pens.startRaw[a] || s.startPrice !== pens.startPrice[a] || s.startTime !== pens.startTime[a])
      return `segment ${j} does not start where pen ${a} starts`;
    if (s.endRaw !== pens.endRaw[b] || s.endPrice !== pens.endPrice[b] || s.endTime !== pens.endTime[b])
      return `segment ${j} does not end where pen ${b} ends`;
    if (s.direction !== (pens.direction[b] === 1 ? 'up' : 'down')) return `segment ${j} direction ${s.direction} is not its last pen's`;
    if (!s.confirmed) {
      if (s.endCase !== null) return `provisional segment ${j} has an end case`;
      continue;
    }
    if (s.endCase !== 1 && s.endCase !== 2) return `segment ${j} is confirmed without an end case`;
    if (s.endPen - s.startPen < 2) return `segment ${j} is confirmed with fewer than 3 pens`;
    // Ending at its start price is allowed: the segment stage keeps such a segment, as chan.py does.
    if (s.direction === 'up' ? s.endPrice < s.startPrice : s.endPrice > s.startPrice)
      return `segment ${j} is confirmed but ends behind its start`;
    // Case 2 is confirmed by the new move's own fractal: three of its pens against it come after.
    if (s.endCase === 2 && s.endPen + 6 >= n) return `segment ${j} is a confirmed case 2 without the pens that confirm it`;
  }
  return null;
}

/**
 * DIF and DEA of n bars (of a whole result, or the last bars of an analyzer: macdTail). The histogram is not read: an engine's result makes it from them when it is first read
 * (core/macd-series.ts), finite where they are (prices and the scale are bounded: core/validate.ts).
 */
export function checkMacd(r: Pick<AnalysisResult, 'macd'>, n: number): string | null {
  const { dif, dea, firstValid } = r.macd;
  if (dif.length !== n || dea.length !== n) return 'MACD length mismatch';
  if (!(firstValid >= 0 && firstValid <= n)) return `MACD first valid index ${firstValid} out of range`;
  const i = nonFinite(dif, dea, firstValid, n);
  return i < 0 ? null : `MACD value at bar ${i} is not finite`;
}

function nonFinite(a: Float64Array, b: Float64Array, from: number, n: number): number {
  // x * 0 is 0 for a finite x and NaN otherwise: one sum tells whether any value is not finite.
  let z = 0;
  for (let i = from; i < n; i++) z += a[i]! * 0 + b[i]! * 0;
  if (z === 0) return -1;
  for (let i = from; i < n; i++) if (!Number.isFinite(a[i]! + b[i]!)) return i;
  return -1;
}
