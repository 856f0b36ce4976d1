// Hand-worked cases for the structure rules (docs/algorithms.md, "Pivots", "Divergence", "Buy/sell
// points"), including the clauses no oracle file exercises: the trailing scan, a 3a after the last
// parent or outside N, a 3b outside N with no limit, r == max_bsp2_rate, the related line of a point
// that gets a second type, and a segment's low/high from its raw bars. The rules have two twins, the
// shared TS rules (the TS engine, streaming) and the WASM engine's structure stage: the pivot and
// point cases run on both; the last cases run whole series through both engines.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocateBars } from '../src/core/bars.js';
import { resolveStructureOptions, type PartialLevelPointOptions, type StructureOptions } from '../src/core/structure-options.js';
import { parentsOf, penLines, segmentLines, type Lines, type Parents } from '../src/core/structures/lines.js';
import { penLineColumns } from '../src/engines/ts/pen-lines.js';
import { macdSeries } from '../src/core/macd-series.js';
import { buildPivots, type PivotRecord } from '../src/core/structures/pivots.js';
import { buildPoints, Owned } from '../src/core/structures/points.js';
import type { MergedColumns, PenRecord, SegmentRecord } from '../src/core/records.js';
import type { Bars, BuySellPointType } from '../src/core/types.js';
import { packTypes, unpackTypes } from '../src/core/structures/columns.js';
import { barsAlong } from './support/bars-along.js';
import { ENGINES } from './support/engines.js';
import { wasmLevel } from './support/wasm-level.js';

/** Lines through turning prices: line i runs from p[i] to p[i + 1] over raw bars 10i..10(i + 1); metric m[i] (default 1). */
function linesThrough(p: readonly number[], m: readonly number[] = []): Lines {
  const n = p.length - 1;
  const col = <T extends Float64Array | Int32Array | Int8Array | Uint8Array>(C: new (n: number) => T, f: (i: number) => number) => {
    const a = new C(n);
    for (let i = 0; i < n; i++) a[i] = f(i);
    return a;
  };
  return {
    n,
    dir: col(Int8Array, (i) => (p[i + 1]! > p[i]! ? 1 : -1)),
    low: col(Float64Array, (i) => Math.min(p[i]!, p[i + 1]!)),
    high: col(Float64Array, (i) => Math.max(p[i]!, p[i + 1]!)),
    begin: col(Float64Array, (i) => p[i]!),
    end: col(Float64Array, (i) => p[i + 1]!),
    beginRaw: col(Int32Array, (i) => 10 * i),
    endRaw: col(Int32Array, (i) => 10 * (i + 1)),
    beginTime: col(Float64Array, (i) => 10 * i),
    endTime: col(Float64Array, (i) => 10 * (i + 1)),
    confirmed: col(Uint8Array, () => 1),
    metric: (i) => m[i] ?? 1,
  };
}

type ParentSpec = readonly [start: number, end: number, dir: 'up' | 'down', confirmed: boolean];

const parents = (specs: readonly ParentSpec[], n: number) =>
  parentsOf(
    specs.map(([startPen, endPen, direction, confirmed]) => ({
      startPen,
      endPen,
      dir: direction === 'up' ? 1 : -1,
      confirmed,
      endCase: null,
    })),
    n,
  );

/** The rules of one level: the shared TS rules (the TS engine, streaming) and the WASM engine's twin stage. */
const RULES = [
  {
    name: 'ts',
    level(lines: Lines, ps: Parents, o: StructureOptions) {
      const pivots = buildPivots(lines, ps, o.combinePivots);
      return { pivots, points: buildPoints(lines, ps, new Owned().reset(pivots, 0, ps.m), o.points.pen).points };
    },
  },
  { name: 'wasm', level: wasmLevel },
];
/** The rules the cases below run on (set by each describe.each block). */
let rules: (typeof RULES)[number] = RULES[0]!;

/** The pivots and stored points of one level, with point options (both sides) and pivot combination. */
function run(
  p: readonly number[],
  specs: readonly ParentSpec[],
  o: PartialLevelPointOptions = {},
  m: readonly number[] = [],
  combine = true,
) {
  const lines = linesThrough(p, m);
  const ps = parents(specs, lines.n);
  const { pivots, points } = rules.level(lines, ps, resolveStructureOptions({ combinePivots: combine, points: { pen: o } }));
  return {
    pivots: pivots.map(pivotRow),
    points: points.map((q) => ({ line: q.line, side: q.side, types: q.types.join(','), relate: q.relate, rate: q.divergenceRate })),
  };
}

const pivotRow = (z: PivotRecord) => ({
  lines: [z.begin, z.end],
  range: [z.low, z.high],
  mid: z.mid,
  peaks: [z.peakLow, z.peakHigh],
  confirmed: z.confirmed,
  owner: z.owner,
});

// A down segment with a pivot left by a break (the type-1 setting of docs/algorithms.md, example A):
//   segment 0 up, pens 0..2; segment 1 down, pens 3..9; segment 2 up, pens 10..12 (unconfirmed);
//   pens 13 and 14 after the last segment.
// prettier-ignore
const A = [80, 110, 100, 120, 101, 108, 100, 107, 96, 105, 90, 104, 98, 115, 109, 118];
const A_PARENTS: ParentSpec[] = [
  [0, 2, 'up', true],
  [3, 9, 'down', true],
  [10, 12, 'up', false],
];
// MACD peaks: pen 3's 2 and pen 9's 1 (a divergence rate of 0.5); pen 12's 0.5 against pen 10's 1.
const A_METRIC = [1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0.5];

/** A case's mirror image (200 - price, parents reversed): its buy points are sell points on the same lines. */
const mirror = (p: readonly number[]) => p.map((x) => 200 - x);
const flip = (specs: readonly ParentSpec[]) => specs.map(([a, b, d, c]): ParentSpec => [a, b, d === 'up' ? 'down' : 'up', c]);

describe.each(RULES)('$name rules', (r) => {
  beforeAll(() => {
    rules = r;
  });

  describe('pivots', () => {
    it("three lines against the parent make one: the range is the first two candidates' overlap; a later candidate overlapping it strictly extends it", () => {
      // Segment 1's candidates are its up pens 4 [101,108], 6 [100,107], 8 [96,105]: 4 and 6 overlap in [101,107];
      // 8 overlaps that strictly and extends the pivot to pen 8 (peak low 96). The range and mid stay.
      expect(run(A, A_PARENTS, {}, A_METRIC).pivots).toEqual([
        { lines: [4, 8], range: [101, 107], mid: 104, peaks: [96, 108], confirmed: true, owner: 1 },
      ]);
    });

    it('strict overlap: two candidates that only touch make no pivot', () => {
      // Up parent: down pens 1 [15,20] and 3 [20,25] touch at 20.
      expect(run([10, 20, 15, 25, 20, 30], [[0, 4, 'up', true]]).pivots).toEqual([]);
      // One tick more overlap makes one.
      expect(run([10, 20, 15, 25, 19.9, 30], [[0, 4, 'up', true]]).pivots).toEqual([
        { lines: [1, 3], range: [19.9, 20], mid: 19.95, peaks: [15, 25], confirmed: true, owner: 0 },
      ]);
    });

    it('no pivot starts at line 0 (it would have no entering line): the candidates keep growing and the next two make it', () => {
      // Up parent over lines 0..5 whose first line runs down: candidates 0 [15,20], 2 [16,19], 4 [17,25].
      expect(run([20, 15, 19, 16, 25, 17, 30], [[0, 5, 'up', true]]).pivots).toEqual([
        { lines: [2, 4], range: [17, 19], mid: 18, peaks: [16, 25], confirmed: true, owner: 0 },
      ]);
    });

    it('combination: a pivot whose range touches the previous one of the same parent merges into it (the union, with the first mid); off, they stay apart', () => {
      // Up parent: candidates 1 [15,20], 3 [16,19] make [16,19]; 5 [19,26] only touches it (no extension);
      // 5 and 7 [18,24] make [19,24], which touches [16,19] at 19.
      const p = [10, 20, 15, 19, 16, 26, 19, 24, 18, 30];
      const one: ParentSpec[] = [[0, 8, 'up', true]];
      expect(run(p, one).pivots).toEqual([{ lines: [1, 7], range: [16, 24], mid: 17.5, peaks: [15, 26], confirmed: true, owner: 0 }]);
      expect(run(p, one, {}, [], false).pivots).toEqual([
        { lines: [1, 3], range: [16, 19], mid: 17.5, peaks: [15, 20], confirmed: true, owner: 0 },
        { lines: [5, 7], range: [19, 24], mid: 21.5, peaks: [18, 26], confirmed: true, owner: 0 },
      ]);
      // The same two pivots in two parents never merge (a pivot never spans two parents).
      const two: ParentSpec[] = [
        [0, 4, 'up', true],
        [5, 8, 'up', false],
      ];
      expect(run(p, two).pivots.map((z) => z.lines)).toEqual([
        [1, 3],
        [5, 7],
      ]);
    });

    it('the trailing scan: lines after the last parent make pivots against the last parent direction, unconfirmed and owned by none', () => {
      // Parent 0 runs up over lines 0..2; lines 3..8 follow it. The trailing scan runs down (against the
      // last parent), so its candidates are the up lines 4 [112,122], 6 [114,121] and 8 [111,124]:
      // 4 and 6 make [114,121], and 8 overlaps it strictly and extends it.
      const p = [100, 120, 110, 130, 112, 122, 114, 121, 111, 124];
      expect(run(p, [[0, 2, 'up', true]]).pivots).toEqual([
        { lines: [4, 8], range: [114, 121], mid: 117.5, peaks: [111, 124], confirmed: false, owner: -1 },
      ]);
    });
  });

  describe('types 1 and 1p', () => {
    it('type 1: the last pivot left by the parent end E, which breaks it, is its extreme, and diverges (rate = m(E) / m(in line))', () => {
      const r = run(A, A_PARENTS, {}, A_METRIC);
      expect(r.points.find((q) => q.line === 9)).toEqual({ line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 });
    });

    it('divergence: a rate above divergence_rate is not a point (0.95 > 0.9), unless the rate is .inf (or above 100: no test)', () => {
      const m = [1, 1, 1, 2, 1, 1, 1, 1, 1, 1.9];
      expect(run(A, A_PARENTS, {}, m).points).toEqual([]); // no type 1, so no 2 or 3 after it either
      for (const divergenceRate of [Infinity, 101]) {
        expect(run(A, A_PARENTS, { divergenceRate }, m).points[0]).toEqual({ line: 9, side: 'buy', types: '1', relate: null, rate: 0.95 });
      }
      // 100 still compares.
      expect(run(A, A_PARENTS, { divergenceRate: 100 }, [1, 1, 1, 0.01, 1, 1, 1, 1, 1, 1.9]).points).toEqual([]);
    });

    it('break: an E that does not go below the pivot low has no rate and is no point', () => {
      const p = A.slice();
      p[10] = 102; // pen 9 ends at 102, above the pivot's low 101 (pen 10 starts there)
      const r = run(p, A_PARENTS, { divergenceRate: Infinity }, A_METRIC);
      expect(r.points.filter((q) => q.line === 9)).toEqual([]);
    });

    it('bs1_peak: a line of the pivot below E keeps E from being a point; with bs1_peak off it is one', () => {
      const p = A.slice();
      p[8] = 89; // pen 7 reaches 89, below E's 90 (pen 8 then runs 89 -> 105)
      expect(run(p, A_PARENTS, {}, A_METRIC).points.filter((q) => q.line === 9)).toEqual([]);
      expect(run(p, A_PARENTS, { bsp1Peak: false }, A_METRIC).points.find((q) => q.line === 9)?.types).toBe('1');
    });

    it('min_pivot_count: a parent without its pivots gives no 1/1p; 0 lets 1p through (E reaching the extreme of the line two before it, equality included)', () => {
      // Segment 2 (up, pens 10..12) has no pivot: pen 12 (to 115) is beyond pen 10 (to 104): a 1p candidate, not stored.
      expect(run(A, A_PARENTS, {}, A_METRIC).points.some((q) => q.line === 12)).toBe(false);
      const r = run(A, A_PARENTS, { minPivotCount: 0 }, A_METRIC);
      expect(r.points.find((q) => q.line === 12)).toEqual({ line: 12, side: 'sell', types: '1p', relate: null, rate: 0.5 / (1 + 1e-7) });
      // Equal extremes count: pen 12 ending at exactly 104 still reaches pen 10's 104.
      const p = A.slice();
      p[13] = 104;
      p[14] = 100;
      expect(run(p, A_PARENTS, { minPivotCount: 0 }, A_METRIC).points.find((q) => q.line === 12)?.types).toBe('1p');
      p[13] = 103.9;
      expect(run(p, A_PARENTS, { minPivotCount: 0 }, A_METRIC).points.some((q) => q.line === 12)).toBe(false);
    });

    it('divergence at the rate exactly: m(E) = divergence_rate x m(in) is a divergence (0.5 x 2 = 1); a hair below the rate, not', () => {
      expect(run(A, A_PARENTS, { divergenceRate: 0.5 }, A_METRIC).points.find((q) => q.line === 9)?.types).toBe('1');
      const below = 0.5 - Number.EPSILON / 4;
      expect(below).toBeLessThan(0.5);
      expect(run(A, A_PARENTS, { divergenceRate: below }, A_METRIC).points.some((q) => q.line === 9)).toBe(false);
      // The 1p test likewise: pen 12's 0.5 against pen 10's 1 (its own rate adds 1e-7 to the denominator, the test does not).
      expect(run(A, A_PARENTS, { minPivotCount: 0, divergenceRate: 0.5 }, A_METRIC).points.find((q) => q.line === 12)?.types).toBe('1p');
      expect(run(A, A_PARENTS, { minPivotCount: 0, divergenceRate: below }, A_METRIC).points.some((q) => q.line === 12)).toBe(false);
    });

    it("1p: pre is the line two before E, in E's parent and E running with it; E at line 0 reads pre from the end (chan.py's index -2)", () => {
      // One up parent over pens 0..2 (100 -> 110 -> 105 -> 115): E = pen 2 reaches beyond pre = pen 0.
      const p = [100, 110, 105, 115];
      expect(run(p, [[0, 2, 'up', false]], { minPivotCount: 0, divergenceRate: Infinity }).points).toEqual([
        { line: 2, side: 'sell', types: '1p', relate: null, rate: 1 / (1 + 1e-7) },
      ]);
      // A parent of one pen (0) among two: pre = line 2 + 0 - 2 = 0, E itself.
      expect(run([100, 110, 105], [[0, 0, 'up', false]], { minPivotCount: 0, divergenceRate: Infinity }).points).toEqual([
        { line: 0, side: 'sell', types: '1p', relate: null, rate: 1 / (1 + 1e-7) },
      ]);
      // pre in the parent before (E = pen 3 of a one-pen parent, pre = pen 1), or E running against its parent: no 1p.
      const q = [100, 110, 105, 115, 95];
      const oneP = (specs: ParentSpec[]) => run(q, specs, { minPivotCount: 0 }, [1, 1, 1, 0.5]).points.some((x) => x.line === 3);
      expect(
        oneP([
          [0, 2, 'up', true],
          [3, 3, 'down', false],
        ]),
      ).toBe(false);
      expect(oneP([[0, 3, 'up', false]])).toBe(false);
      // The control: a down parent over pens 1..3, whose E (to 95) goes below pre = pen 1 (to 105), has it.
      expect(
        oneP([
          [0, 0, 'up', true],
          [1, 3, 'down', false],
        ]),
      ).toBe(true);
    });
  });

  describe('types 2 and 2s', () => {
    it('type 2: the first retracement after the type-1 line, r = amp(b2) / amp(k) <= max_bsp2_rate (equality included), related to the type-1 line', () => {
      // k = pen 10 (90 -> 104, amp 14), b2 = pen 11 (104 -> 98, amp 6): r = 6 / 14.
      const r = 6 / 14;
      expect(run(A, A_PARENTS, {}, A_METRIC).points.find((q) => q.line === 11)).toEqual({
        line: 11,
        side: 'buy',
        types: '2',
        relate: 9,
        rate: null,
      });
      expect(run(A, A_PARENTS, { maxBsp2Rate: r }, A_METRIC).points.find((q) => q.line === 11)?.types).toBe('2');
      const below = r - Number.EPSILON / 4;
      expect(below).toBeLessThan(r);
      expect(run(A, A_PARENTS, { maxBsp2Rate: below }, A_METRIC).points.some((q) => q.line === 11)).toBe(false);
    });

    it("bsp2_follow_1: without the type-1 point there is no type 2; off, it comes anyway, related to b1's type-1 candidate or to none", () => {
      const m = [1, 1, 1, 2, 1, 1, 1, 1, 1, 1.9]; // pen 9's rate 0.95: a rejected candidate
      expect(run(A, A_PARENTS, {}, m).points).toEqual([]);
      const r = run(A, A_PARENTS, { bsp2Follow1: false }, m).points;
      expect(r.find((q) => q.line === 11)).toEqual({ line: 11, side: 'buy', types: '2', relate: 9, rate: null });
    });

    it('2s: later retracements overlapping the first one; across parents only into the last one while b2 is unconfirmed', () => {
      // Make pen 13 (the next down line after b2 = 11) overlap pen 11 [98,104]: 115 -> 102.
      const p = A.slice();
      p[14] = 102;
      p[15] = 118;
      // r(13) = |102 - 104| / 14 (its end against k's end).
      expect(run(p, A_PARENTS, {}, A_METRIC).points.find((q) => q.line === 13)).toEqual({
        line: 13,
        side: 'buy',
        types: '2s',
        relate: 9,
        rate: null,
      });
      // b2's segment confirmed: pen 13, outside it, is no 2s.
      const confirmed: ParentSpec[] = [A_PARENTS[0]!, A_PARENTS[1]!, [10, 12, 'up', true]];
      expect(run(p, confirmed, {}, A_METRIC).points.some((q) => q.line === 13)).toBe(false);
      // max_bsp2s_level 1 still allows this first level; 2s not reported removes it.
      expect(run(p, A_PARENTS, { maxBsp2sLevel: 1 }, A_METRIC).points.some((q) => q.line === 13)).toBe(true);
      const no2s = run(p, A_PARENTS, { types: ['1', '1p', '2', '3a', '3b'] }, A_METRIC).points;
      expect(no2s.some((q) => q.line === 13)).toBe(false);
      expect(no2s.find((q) => q.line === 11)?.types).toBe('2'); // the type 2 stays
    });

    it('2s: r == max_bsp2_rate counts, and so does a line reaching exactly the low of k (its r is 1 there)', () => {
      // Pen 13 runs 115 -> 90, down to pen 10's start: r(13) = |90 - 104| / 14 = 1.
      const p = A.slice();
      p[14] = 90;
      p[15] = 118;
      expect(run(p, A_PARENTS, { maxBsp2Rate: 1 }, A_METRIC).points.find((q) => q.line === 13)?.types).toBe('2s');
      expect(run(p, A_PARENTS, {}, A_METRIC).points.some((q) => q.line === 13)).toBe(false); // 1 > 0.9999
    });

    it('2s ties on both sides: a line touching the band is outside it, one reaching the extreme of k is not past it (sell side mirrored)', () => {
      // The buy case, and its mirror image: the same lines are sell points.
      const twoSAt13 = (p: number[], o: PartialLevelPointOptions = {}) =>
        [run(p, A_PARENTS, o, A_METRIC), run(mirror(p), flip(A_PARENTS), o, A_METRIC)].map(
          (r) => r.points.find((q) => q.line === 13)?.types ?? 'none',
        );
      const p = A.slice();
      p[15] = 118;
      // Pen 13 (115 -> x) against b2 = pen 11 [98,104]: x = 103.9 overlaps it, x = 104 only touches it.
      p[14] = 103.9;
      expect(twoSAt13(p)).toEqual(['2s', '2s']);
      p[14] = 104;
      expect(twoSAt13(p)).toEqual(['none', 'none']);
      // x = 90, pen 10's start (r = 1): with max_bsp2_rate 1 still a 2s on either side.
      p[14] = 90;
      expect(twoSAt13(p, { maxBsp2Rate: 1 })).toEqual(['2s', '2s']);
    });

    it('bsp2s_follow_2: where the type 2 fails its rate, a 2s still comes with it off (chan.py), none with it on', () => {
      // The 2s case above with max_bsp2_rate 0.4: r(11) = 6 / 14 is above it, r(13) = 2 / 14 is not.
      const p = A.slice();
      p[14] = 102;
      p[15] = 118;
      const after9 = (o: PartialLevelPointOptions) =>
        run(p, A_PARENTS, { maxBsp2Rate: 0.4, ...o }, A_METRIC)
          .points.filter((q) => q.line > 9)
          .map((q) => `${q.line} ${q.types}`);
      expect(after9({})).toEqual(['13 2s']);
      expect(after9({ bsp2sFollow2: true })).toEqual([]);
    });

    it('max_bsp2s_level: the n-th 2s after b2 is level n; a limit stops the levels above it', () => {
      // The 2s case above plus pens 15 (118 -> 103) and 16: pen 15 overlaps the band [102,104] of pens 11 and 13.
      const p = [...A.slice(0, 14), 102, 118, 103, 120];
      const twoS = (o: PartialLevelPointOptions) =>
        run(p, A_PARENTS, o, A_METRIC)
          .points.filter((q) => q.types === '2s')
          .map((q) => q.line);
      expect(twoS({})).toEqual([13, 15]);
      expect(twoS({ maxBsp2sLevel: 2 })).toEqual([13, 15]);
      expect(twoS({ maxBsp2sLevel: 1 })).toEqual([13]);
    });

    it('2s across parents: from an unconfirmed parent of b2 into the next one, but not two parents on (b2 in parent m - 2, the line after the last parent)', () => {
      // The max_bsp2s_level case (2s on pens 13 and 15 after b2 = pen 11 in the unconfirmed segment 2), with pen
      // 13 a segment of its own (an unconfirmed segment before the last one, as chan.py's leftover pass leaves
      // them): pen 13 is in the next parent, pen 15 after the last one, two parents on from pen 11's.
      const p = [...A.slice(0, 14), 102, 118, 103, 120];
      const twoS = (specs: ParentSpec[]) =>
        run(p, specs, {}, A_METRIC)
          .points.filter((q) => q.types.includes('2s'))
          .map((q) => q.line);
      expect(twoS(A_PARENTS)).toEqual([13, 15]);
      expect(twoS([...A_PARENTS, [13, 13, 'down', false]])).toEqual([13]);
      // b2's segment confirmed: none past it.
      expect(twoS([A_PARENTS[0]!, A_PARENTS[1]!, [10, 12, 'up', true], [13, 13, 'down', false]])).toEqual([]);
    });

    it('one parent of two lines (m == 1, n == 2): k = line 0, b2 = line 1, a type 2 with bsp2_follow_1 off; one line, none', () => {
      // Pen 0 (100 -> 110) is the parent, pen 1 (110 -> 104) after it: r = 6 / 10.
      const unfollowed = { buy: { bsp2Follow1: false } };
      expect(run([100, 110, 104], [[0, 0, 'up', false]], unfollowed).points).toEqual([
        { line: 1, side: 'buy', types: '2', relate: null, rate: null },
      ]);
      expect(run([100, 110], [[0, 0, 'up', false]], unfollowed).points).toEqual([]);
    });

    it('one parent (m == 1): types 2, 2s and 3a follow no type-1 line, with the options of the side opposite the parent', () => {
      // One up segment over pens 0..8: its pivot [104,109] (down pens 1..5) is left by pen 6; pen 7 (120 -> 112)
      // stays above it. k = pen 0 (amp 10), b2 = pen 1 (110 -> 104, r = 0.6); 2s on pens 3 (r = |103 - 110| / 10)
      // and 5 (0.8); pen 7 no longer overlaps the band [104,109].
      const p = [100, 110, 104, 109, 103, 108, 102, 120, 112, 125];
      const one: ParentSpec[] = [[0, 8, 'up', false]];
      const unfollowed = { bsp2Follow1: false, bsp3Follow1: false };
      expect(run(p, one, { buy: unfollowed }).points).toEqual([
        { line: 1, side: 'buy', types: '2', relate: null, rate: null },
        { line: 3, side: 'buy', types: '2s', relate: null, rate: null },
        { line: 5, side: 'buy', types: '2s', relate: null, rate: null },
        { line: 7, side: 'buy', types: '3a', relate: null, rate: null },
      ]);
      expect(run(p, one, { sell: unfollowed }).points).toEqual([]);
    });
  });

  describe('types 3a and 3b', () => {
    it('3b outside N with no limit: N is the last parent and owns no pivot, so the first line after b1 + 2 not coming back into the pivot counts, past N', () => {
      // C = pivot [101,107]. Pen 11 (low 98) comes back into it; pen 13 (115 -> 109, low 109) does not.
      const r = run(A, A_PARENTS, {}, A_METRIC).points;
      expect(r).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2', relate: 9, rate: null },
        { line: 13, side: 'buy', types: '3b', relate: 9, rate: null },
      ]);
      // With a parent after N, the limit is N's last line - 1 = 11: no 3b.
      const more: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 12, 'up', true], [13, 14, 'down', false]];
      expect(run(A, more, {}, A_METRIC).points.some((q) => q.types.includes('3b'))).toBe(false);
      // strict_bsp3: the pivot is left by b1 itself (pen 9 = its end + 1), so the 3b stays.
      expect(run(A, A_PARENTS, { strictBsp3: true }, A_METRIC).points.find((q) => q.line === 13)?.types).toBe('3b');
      // 3b after the last parent's own type 1 (no N: no limit); 3b not reported, none.
      expect(run(A, A_PARENTS.slice(0, 2), {}, A_METRIC).points).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2', relate: 9, rate: null },
        { line: 13, side: 'buy', types: '3b', relate: 9, rate: null },
      ]);
      expect(run(A, A_PARENTS, { types: ['1', '1p', '2', '2s', '3a'] }, A_METRIC).points.some((q) => q.line === 13)).toBe(false);
    });

    // Segment 2 now runs up over pens 10..16 with a pivot of its own: down pens 11 [98,104] and 13 [99,103]
    // make [99,103], left by pen 14; x = pen 15 (112 -> 106) stays above 103.
    // prettier-ignore
    const B = [80, 110, 100, 120, 101, 108, 100, 107, 96, 105, 90, 104, 98, 103, 99, 112, 106, 118];
    it('3a: the line after the first pivot of the next parent N, not coming back into it', () => {
      const inside: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 16, 'up', false]];
      expect(run(B, inside, {}, A_METRIC).points.find((q) => q.line === 15)).toEqual({
        line: 15,
        side: 'buy',
        types: '3a',
        relate: 9,
        rate: null,
      });
      // bsp3_peak: x must reach beyond the pivot's peak high (104): 112 does.
      expect(run(B, inside, { bsp3Peak: true }, A_METRIC).points.some((q) => q.line === 15)).toBe(true);
      // Coming back into the pivot (x's low 102 under its high 103): no 3a.
      const back = B.slice();
      back[16] = 102;
      expect(run(back, inside, {}, A_METRIC).points.some((q) => q.types.includes('3a'))).toBe(false);
      // bsp3_peak at the peak exactly: x = pen 15 from 104 (= the pivot's peak high, pen 11's start) to 103.5 counts.
      const peak = B.slice();
      peak[15] = 104;
      peak[16] = 103.5;
      expect(run(peak, inside, { bsp3Peak: true }, A_METRIC).points.find((q) => q.line === 15)?.types).toBe('3a');
      peak[15] = 103.9;
      expect(run(peak, inside, { bsp3Peak: true }, A_METRIC).points.some((q) => q.line === 15)).toBe(false);
      // And mirrored: x's low at the pivot's peak low counts for a sell.
      peak[15] = 104;
      expect(run(mirror(peak), flip(inside), { bsp3Peak: true }, A_METRIC).points.find((q) => q.line === 15)).toEqual({
        line: 15,
        side: 'sell',
        types: '3a',
        relate: 9,
        rate: null,
      });
      peak[15] = 103.9;
      expect(run(mirror(peak), flip(inside), { bsp3Peak: true }, A_METRIC).points.some((q) => q.line === 15)).toBe(false);
      // strict_bsp3: N's first pivot is entered by b1 + 1 (pen 10), so the 3a stays; 3a reported alone, too.
      expect(run(B, inside, { strictBsp3: true }, A_METRIC).points.find((q) => q.line === 15)?.types).toBe('3a');
      expect(run(B, inside, { types: ['1', '1p', '2', '2s', '3a'] }, A_METRIC).points.find((q) => q.line === 15)?.types).toBe('3a');
    });

    it('strict_bsp3: a 3b only after a pivot left by b1 itself', () => {
      // Segment 1 (down) runs on to pen 11 (95 -> 85): its pivot [101,107] (pens 4..8) is left by pen 9, and
      // E = b1 = pen 11 is a 1p (m 0.5 against pen 9's 1). Pen 13 (115 -> 109) stays above the pivot: a 3b,
      // and a type 2 (r = 6 / 30), unless strict_bsp3 asks for the pivot to end at b1 - 1 (it ends at 8).
      const p = [80, 110, 100, 120, 101, 108, 100, 107, 96, 105, 90, 95, 85, 115, 109, 118];
      const specs: ParentSpec[] = [
        [0, 2, 'up', true],
        [3, 11, 'down', true],
        [12, 14, 'up', false],
      ];
      const m = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5];
      const oneP = { line: 11, side: 'buy', types: '1p', relate: null, rate: 0.5 / (1 + 1e-7) };
      expect(run(p, specs, {}, m).points).toEqual([oneP, { line: 13, side: 'buy', types: '2,3b', relate: 11, rate: null }]);
      expect(run(p, specs, { strictBsp3: true }, m).points).toEqual([oneP, { line: 13, side: 'buy', types: '2', relate: 11, rate: null }]);
    });

    it("bsp3a_max_pivot_count: a 3a after each of N's first pivots, up to the count", () => {
      // Segment 2 (up, pens 10..20) gets a second pivot: down pens 15 [106,112] and 17 [107,111] make [107,111]
      // (apart from [99,103]), left by pen 18; x = pen 19 (125 -> 115) stays above it.
      const p = [...B.slice(0, 17), 111, 107, 125, 115, 130];
      const n2: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 20, 'up', false]];
      const threeA = (o: PartialLevelPointOptions) =>
        run(p, n2, o, A_METRIC)
          .points.filter((q) => q.types.includes('3a'))
          .map((q) => q.line);
      expect(threeA({})).toEqual([15]);
      expect(threeA({ bsp3aMaxPivotCount: 2 })).toEqual([15, 19]);
      expect(threeA({ bsp3aMaxPivotCount: 3 })).toEqual([15, 19]);
    });

    it('3a after the last parent (N is the last parent), and outside N in a parent of fewer than 3 lines when nidx >= m - 2', () => {
      const last: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 14, 'up', false]];
      expect(run(B, last, {}, A_METRIC).points.find((q) => q.line === 15)?.types).toBe('3a');
      const short: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 14, 'up', true], [15, 16, 'down', false]];
      expect(run(B, short, {}, A_METRIC).points.find((q) => q.line === 15)?.types).toBe('3a');
      // In a parent of 3 lines, not.
      const B3 = [...B, 110];
      const long: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 14, 'up', true], [15, 17, 'down', false]];
      expect(run(B3, long, {}, A_METRIC).points.some((q) => q.types.includes('3a'))).toBe(false);
    });

    it('3a: x after the last parent while N is not the last parent, or outside N with nidx < m - 2, is none', () => {
      // Segment 2 (N) now ends at pen 13 (its pivot [99,103], pens 11..13, left by pen 14), x = pen 15 (112 -> 106).
      const threeA = (last: readonly ParentSpec[]) =>
        run(B, [...A_PARENTS.slice(0, 2), [10, 13, 'up', true], ...last], {}, A_METRIC).points.some((q) => q.types.includes('3a'));
      // The control: x in the last parent, of 2 lines (nidx = 2 = m - 2).
      expect(threeA([[14, 15, 'down', false]])).toBe(true);
      // x after the last parent (pen 14 alone), N not the last parent.
      expect(threeA([[14, 14, 'down', false]])).toBe(false);
      // x in a parent of 2 lines, but one more parent after it: nidx = 2 < m - 2 = 3.
      expect(
        threeA([
          [14, 15, 'down', true],
          [16, 16, 'up', false],
        ]),
      ).toBe(false);
    });

    it("3b limit: N's first pivot without an out line (it ends at the last line) gives none, so the limit is N's last line - 1", () => {
      // After A's type 1 on pen 9: k = pen 10 (90 -> 112), N = segment 2 over pens 10..13, the last lines; its
      // pivot: down pens 11 and 13 (111 -> 108.5), ending at the last line.
      const p = [80, 110, 100, 120, 101, 108, 100, 107, 96, 105, 90, 112, 108, 111, 108.5];
      const specs: ParentSpec[] = [...A_PARENTS.slice(0, 2), [10, 13, 'up', false]];
      // Pen 11 (112 -> 108) stays above C = [101,107]: a 3b within the limit 12, with its type 2 (r = 4 / 22).
      expect(run(p, specs, {}, A_METRIC).points).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2,3b', relate: 9, rate: null },
        { line: 13, side: 'buy', types: '2s', relate: 9, rate: null },
      ]);
      // Pen 11 to 106 comes back into C; pen 13 would not, but it is past the limit.
      p[12] = 106;
      expect(run(p, specs, {}, A_METRIC).points).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2', relate: 9, rate: null },
        { line: 13, side: 'buy', types: '2s', relate: 9, rate: null },
      ]);
    });

    it('3b with no limit: every line after b1 coming back into C up to the last line is none (the scan stops there)', () => {
      // A up to pen 12 (98 -> 115), after the last parent's type 1 on pen 9: pen 11 comes back into [101,107].
      expect(run(A.slice(0, 14), A_PARENTS.slice(0, 2), {}, A_METRIC).points).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2', relate: 9, rate: null },
      ]);
    });

    it('a second type joins the point on its line, in pass order, with the related line it had', () => {
      // Segment 1's pivot lower, at [91,96] (up pens 4 [91,97], 6 [90,96], 8 [88,95]), E = pen 9 to 80:
      // the type 2 on pen 11 (104 -> 98, r = 6 / 24) does not come back into [91,96] either: a 3b too.
      const p = [80, 110, 100, 120, 91, 97, 90, 96, 88, 95, 80, 104, 98, 115, 109, 118];
      expect(run(p, A_PARENTS, {}, A_METRIC).points).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2,3b', relate: 9, rate: null },
      ]);
    });

    it('a point made without a related line takes the one a later type brings', () => {
      // Contrived parents (segment 2 runs down over pens 10..11, the last one): its type 2 on pen 13
      // (k = pen 12, 98 -> 115; b2 = pen 13, 115 -> 109) has no type-1 candidate to follow (bsp2_follow_1
      // off), then segment 1's 3b lands on pen 13 (no limit: N is the last parent without pivots) with pen 9.
      const parents: ParentSpec[] = [A_PARENTS[0]!, A_PARENTS[1]!, [10, 11, 'down', false]];
      expect(run(A, parents, { bsp2Follow1: false }, A_METRIC).points.filter((q) => q.line >= 9)).toEqual([
        { line: 9, side: 'buy', types: '1', relate: null, rate: 0.5 },
        { line: 11, side: 'buy', types: '2', relate: 9, rate: null },
        { line: 13, side: 'buy', types: '2,3b', relate: 9, rate: null },
      ]);
    });
  });
});

describe('structure columns', () => {
  it("a point's types packed keep their add order (as the WASM stage packs them) and unpack to the same list; more than ten are refused", () => {
    const orders: BuySellPointType[][] = [
      ['1'],
      ['1p', '3b'],
      ['2s', '2'],
      ['3a', '3b', '1', '2'],
      ['1', '1p', '2', '2s', '3a', '3b', '3b', '3a', '2s', '2'],
    ];
    for (const types of orders) expect(unpackTypes(packTypes(types))).toEqual(types);
    // Codes 1..6 in the order of POINT_TYPES, three bits each from the low bits.
    expect(packTypes(['2s', '1'])).toBe(4 | (1 << 3));
    expect(() => packTypes(Array<BuySellPointType>(11).fill('2'))).toThrow('a point has more than ten types');
  });
});

describe('metrics and lines', () => {
  it("pen 'peak': the largest histogram value of the pen's direction over every raw bar of its start and end merged bars too, at least 1e-7", () => {
    // Merged bars: 0 = raws 0..1, 1 = raws 2..3, 2 = raws 4..6. A pen from merged 0 (apex raw 1) to merged 2 (apex raw 4).
    const merged: MergedColumns = {
      count: 3,
      high: Float64Array.of(2, 3, 4),
      low: Float64Array.of(1, 2, 3),
      dir: Int8Array.of(1, 1, 1),
      fx: new Int8Array(3),
      rawStart: Int32Array.of(0, 2, 4),
      rawEnd: Int32Array.of(1, 3, 6),
      highApex: Int32Array.of(1, 3, 4),
      lowApex: Int32Array.of(1, 2, 4),
      fractalIndex: new Int32Array(0),
      fractalCount: 0,
    };
    const pen = (dir: number): PenRecord => ({ startK: 0, endK: 2, dir, confirmed: true, wasConfirmed: true });
    const t = Float64Array.of(0, 1, 2, 3, 4, 5, 6);
    // Raw 0 and raw 6 lie outside the apexes (1 and 4) but inside the merged bars: they count.
    const h = Float64Array.of(5, 1, -2, 3, 2, -7, 4);
    // The histogram h as scale * (DIF - DEA): DIF = h / 2, DEA = 0, scale 2.
    const lines = (dir: number, h: Float64Array) =>
      penLines(
        penLineColumns(
          merged,
          [pen(dir)],
          macdSeries(
            h.map((x) => x / 2),
            new Float64Array(7),
            0,
            2,
          ),
          2,
        ),
        t,
      );
    expect(lines(1, h).metric(0)).toBe(5);
    expect(lines(-1, h).metric(0)).toBe(7);
    expect(lines(1, Float64Array.of(-1, -1, -1, -1, -1, -1, NaN)).metric(0)).toBe(1e-7);
    // The line itself: an up pen from merged 0's low at its apex to merged 2's high at its apex.
    const l = lines(1, h);
    expect([l.begin[0], l.end[0], l.low[0], l.high[0], l.beginRaw[0], l.endRaw[0], l.beginTime[0], l.endTime[0]]).toEqual([
      1, 4, 1, 4, 1, 4, 1, 4,
    ]);
  });

  it("segment 'slope' and range from raw bars: a segment's low and high are its start and end bars' (not its prices when its first pen runs against it)", () => {
    const b: Bars = allocateBars(6);
    b.high.set([10, 12, 11, 15, 14, 20]);
    b.low.set([8, 9, 7, 12, 11, 16]);
    // Pens: raw 1 (12) down to raw 2 (7), up to raw 3 (15), down to raw 4 (11), up to raw 5 (20).
    const pens = linesThrough([12, 7, 15, 11, 20]);
    pens.beginRaw.set([1, 2, 3, 4]);
    pens.endRaw.set([2, 3, 4, 5]);
    const up: SegmentRecord = { startPen: 0, endPen: 3, dir: 1, confirmed: true, endCase: 1 };
    const down: SegmentRecord = { startPen: 2, endPen: 2, dir: -1, confirmed: false, endCase: null };
    const l = segmentLines([up, down], pens, b);
    // The up segment starts at a price of 12 (its first pen runs down from raw 1's high) but its low is raw 1's low, 9.
    expect([l.begin[0], l.end[0], l.low[0], l.high[0], l.low[1], l.high[1]]).toEqual([12, 20, 9, 20, 11, 15]);
    expect(l.metric(0)).toBe((20 - 9) / 20 / 5);
    expect(l.metric(1)).toBe((15 - 11) / 15 / 2);
  });
});

describe.each(ENGINES)('$name engine: bars along a zigzag', (engine) => {
  it('pivot, type 1, 2 and 2s sells worked by hand on the pens and segments the engine draws', () => {
    // Pens 10 20 15 25 18 30 22 26 19 23: segment 0 up over pens 0..4 (confirmed, case 1), segment 1
    // down over 5..7 and segment 2 up over pen 8 (provisional; see rules-segments.test.ts).
    const r = engine.analyze(barsAlong([10, 20, 15, 25, 18, 30, 22, 26, 19, 23]), {
      structures: { points: { pen: { divergenceRate: Infinity } } },
    });
    expect(r.segments.map((s) => [s.startPen, s.endPen])).toEqual([
      [0, 4],
      [5, 7],
      [8, 8],
    ]);
    // Segment 0's down pens 1 [15,20] and 3 [18,25] overlap in [18,20]: pivot over pens 1..3, in pen 0, out pen 4.
    expect(
      r.pivots.pen.map((z) => [
        z.startLine,
        z.endLine,
        z.low,
        z.high,
        z.mid,
        z.peakLow,
        z.peakHigh,
        z.confirmed,
        z.enteringLine,
        z.leavingLine,
      ]),
    ).toEqual([[1, 3, 18, 20, 19, 15, 25, true, 0, 4]]);
    // Pen 4 leaves it upwards to 30, above every pen of it: a type 1 sell. Its rate is pen 4's MACD peak
    // over pen 0's (the largest positive histogram over the raw bars of their merged bars).
    const peak = (i: number) => {
      const p = r.pens[i]!;
      let m = 1e-7;
      for (let raw = r.merged.rawStart[p.startMerged]!; raw <= r.merged.rawEnd[p.endMerged]!; raw++)
        m = Math.max(m, r.macd.histogram[raw]!);
      return m;
    };
    // k = pen 5 (30 -> 22, amp 8), b2 = pen 6 (22 -> 26, amp 4): r = 0.5, a type 2 sell. Pen 8 [19,23]
    // overlaps pen 6 [22,26] in the last segment while pen 6's segment is unconfirmed: a 2s
    // (|23 - 22| / 8 = 0.125). No 3b: pen 6 (high 26) comes back above the pivot's low 18, and the
    // limit is pen 6 (segment 1's last pen - 1).
    expect(
      r.buySellPoints.pen.map((p) => [p.line, p.side, p.types.join(','), p.price, p.divergenceRate, p.relatedLine, p.confirmed]),
    ).toEqual([
      [4, 'sell', '1', 30, peak(4) / peak(0), null, true],
      [6, 'sell', '2', 26, null, 4, true],
      [8, 'sell', '2s', 23, null, 4, true],
    ]);
    expect(r.buySellPoints.pen[0]!.rawIndex).toBe(r.pens[4]!.endRaw);
  });

  it("each level's pivots and points are made when first read, then kept; spreading, JSON and structured clone see them", () => {
    const r = engine.analyze(barsAlong([10, 20, 15, 25, 18, 30, 22, 26, 19, 23]), {
      structures: { points: { pen: { divergenceRate: Infinity } } },
    });
    for (const group of [r.pivots, r.buySellPoints]) {
      expect(Object.keys(group)).toEqual(['pen', 'segment']);
      for (const level of ['pen', 'segment'] as const) expect(typeof Object.getOwnPropertyDescriptor(group, level)?.get).toBe('function');
    }
    const pivots = r.pivots.pen,
      points = r.buySellPoints.pen;
    expect(r.pivots.pen).toBe(pivots);
    expect(r.buySellPoints.pen).toBe(points);
    expect([pivots.length, points.length]).toEqual([1, 3]);
    expect(pivots[0]).toMatchObject({ index: 0, startLine: 1, endLine: 3, low: 18, high: 20, enteringLine: 0, leavingLine: 4 });
    // Structured clone, spreading and JSON read the getters (the segment level's too).
    const clone = structuredClone(r);
    expect([clone.pivots.pen, clone.buySellPoints.pen, clone.buySellPoints.segment]).toEqual([pivots, points, r.buySellPoints.segment]);
    expect({ ...r.pivots }.pen).toEqual(pivots);
    const json = JSON.parse(JSON.stringify(r)) as typeof r;
    expect([json.pivots.pen, json.buySellPoints.pen]).toEqual([pivots, points]);
  });
});
