// Hand-worked cases for segments: case 1, case 2 (including the new move's own end test), provisional
// leftovers. Each case is a zigzag of pen end prices. It runs on the TS segment stage directly, and on
// both engines through bars drawn along the zigzag, whose pens are exactly those (checked).
import { describe, expect, it } from 'vitest';
import type { SegPen } from '../src/engines/ts/feature-sequence.js';
import { buildSegments } from '../src/engines/ts/segments.js';
import { barsAlong } from './support/bars-along.js';
import { ENGINES } from './support/engines.js';

/** Pens from their successive end prices; the first pen goes up. `unsure`: pens not confirmed. */
function pensFrom(points: readonly number[], unsure: readonly number[] = []): SegPen[] {
  const out: SegPen[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!,
      b = points[i]!;
    out.push({ dir: b > a ? 1 : -1, high: Math.max(a, b), low: Math.min(a, b), beginVal: a, endVal: b, sure: !unsure.includes(i - 1) });
  }
  return out;
}

type Row = [startPen: number, endPen: number, dir: 1 | -1, confirmed: boolean, endCase: 1 | 2 | null];
const segs = (p: SegPen[]): Row[] => buildSegments(p).map((s) => [s.startPen, s.endPen, s.dir as 1 | -1, s.confirmed, s.endCase]);

interface Case {
  readonly name: string;
  readonly points: readonly number[];
  readonly expected: readonly Row[];
}

const CASES: readonly Case[] = [
  {
    // Down pens (the up segment's feature elements): [15,20] [18,25] [22,30] [19,26]. e1=[18,25],
    // e2=[22,30], e3=[19,26] form a top without gap (25 >= 22): the segment ends at the pen reaching
    // 30 (pen 4), confirmed since e3's low 19 is below the low 22 of the last pen inside e2.
    name: "case 1: a feature-sequence top without gap ends the up segment at the pen holding e2's high",
    points: [10, 20, 15, 25, 18, 30, 22, 26, 19, 23],
    expected: [
      [0, 4, 1, true, 1],
      [5, 7, -1, false, null],
      [8, 8, 1, false, null],
    ],
  },
  {
    // e1=[15,20], e2=[22,30]: a gap (20 < 22). The down move's own feature sequence (its up pens
    // [22,28] [18,23] [19,27]) forms a bottom without gap (22 <= 23) with a real break: that confirms
    // the up segment (case 2); the down segment then ends by case 1 at 18.
    name: 'case 2: a gap needs the opposite fractal of the new move before the segment is confirmed',
    points: [10, 20, 15, 30, 22, 28, 18, 23, 19, 27],
    expected: [
      [0, 2, 1, true, 2],
      [3, 5, -1, true, 1],
      [6, 8, 1, false, null],
    ],
  },
  {
    name: 'case 2 before the opposite fractal exists: provisional, so no end case yet',
    points: [10, 20, 15, 30, 22, 28, 18],
    expected: [
      [0, 2, 1, false, null],
      [3, 5, -1, false, null],
    ],
  },
  {
    // e1=[15,20], e2=[25,30]: a gap. The down move's up pens [25,28] [18,23] [19,27] form a bottom,
    // but with a gap of its own (25 > 23): that bottom confirms nothing until the move after it (down
    // pens from pen 7: only [19,23]) forms a top. So the up segment stays provisional: confirming it
    // as soon as the reverse sequence forms its fractal, skipping that sequence's own end test, is wrong.
    name: "case 2 whose reverse fractal has a gap of its own: not confirmed before that fractal's own end test passes",
    points: [10, 20, 15, 30, 25, 28, 18, 23, 19, 27],
    // The leftovers: the lowest down pen after pen 2 ends a down segment (pen 5, 18), the up pen after
    // it another (pen 8).
    expected: [
      [0, 2, 1, false, null],
      [3, 5, -1, false, null],
      [6, 8, 1, false, null],
    ],
  },
  {
    // As above, then the moves after the reverse bottom: down pens [19,23] [21,27] [20,26] form a top
    // without gap (23 < 21 is false) with a real break (20 < 21). The reverse bottom's own end test now
    // passes, so the up segment is confirmed (case 2); the down segment it started (pens 3-5) is
    // confirmed by its gap bottom (case 2), and that top ends the next up segment at 27 (pen 8, case 1).
    name: "case 2 confirmed once the reverse fractal's own end test passes (a case 2 inside a case 2)",
    points: [10, 20, 15, 30, 25, 28, 18, 23, 19, 27, 21, 26, 20, 24],
    expected: [
      [0, 2, 1, true, 2],
      [3, 5, -1, true, 2],
      [6, 8, 1, true, 1],
      [9, 11, -1, false, null],
      [12, 12, 1, false, null],
    ],
  },
  {
    // Down pens [15,27] [26,30]; [22,31] contains e2 and merges into it (up: [26,31], its last pen's
    // low 22); e3 = [22,29] forms a top, but 22 is not below that last pen's low, and no pen two after
    // e3's first exists yet: the pen after it (up to 31) decides. Reaching e2's high exactly, it does
    // not undo the top: the segment ends provisionally at pen 4 (31); the leftover down segment runs to
    // pen 7 (22, as low as pen 5: not skipped).
    name: "at the tail, a pen after e3 reaching e2's high exactly keeps the unbroken top (provisional)",
    points: [10, 27, 15, 30, 26, 31, 22, 29, 22, 31],
    expected: [
      [0, 4, 1, false, null],
      [5, 7, -1, false, null],
    ],
  },
  {
    // The same with the last pen going above e2's high (32): the top is undone; no fractal is left,
    // and the pens make one provisional up segment to the highest end.
    name: "at the tail, a pen after e3 going above e2's high undoes the unbroken top",
    points: [10, 27, 15, 30, 26, 31, 22, 29, 22, 32],
    expected: [[0, 8, 1, false, null]],
  },
  {
    name: "mirror: at the tail, a pen after e3 reaching e2's low exactly keeps the unbroken bottom (provisional)",
    points: [90, 73, 85, 70, 74, 69, 78, 71, 78, 69],
    expected: [
      [0, 4, -1, false, null],
      [5, 7, 1, false, null],
    ],
  },
  {
    name: "mirror: at the tail, a pen after e3 going below e2's low undoes the unbroken bottom",
    points: [90, 73, 85, 70, 74, 69, 78, 71, 78, 68],
    expected: [[0, 8, -1, false, null]],
  },
  {
    name: 'fewer than 3 pens make no segment',
    points: [10, 20, 15],
    expected: [],
  },
];

describe('segments, TS segment stage on pens', () => {
  it.each(CASES)('$name', ({ points, expected }) => {
    expect(segs(pensFrom(points))).toEqual(expected);
  });

  it('case 1 with an unconfirmed pen as evidence stays provisional', () => {
    expect(segs(pensFrom(CASES[0]!.points, [7]))[0]).toEqual([0, 4, 1, false, null]);
  });
});

describe.each(ENGINES)('segments, $name engine on bars along the pens', (engine) => {
  it.each(CASES)('$name', ({ points, expected }) => {
    const r = engine.analyze(barsAlong(points));
    // The bars make exactly the intended pens, all confirmed.
    expect(r.pens.map((p) => p.endPrice)).toEqual(points.slice(1));
    expect(r.pens.every((p) => p.confirmed)).toBe(true);
    expect(r.segments.map((s): Row => [s.startPen, s.endPen, s.direction === 'up' ? 1 : -1, s.confirmed, s.endCase])).toEqual(expected);
  });
});
