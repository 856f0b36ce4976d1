// Hand-worked cases for segments on pen sequences: case 1, case 2, provisional leftovers.
import { describe, expect, it } from 'vitest';
import type { SegPen } from '../src/engines/ts/feature-sequence.js';
import { buildSegments } from '../src/engines/ts/segments.js';

/** Pens from their successive end prices, starting at `start`; the first pen goes up. */
function pensFrom(points: number[], unsure: number[] = []): SegPen[] {
  const out: SegPen[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!,
      b = points[i]!;
    out.push({ dir: b > a ? 1 : -1, high: Math.max(a, b), low: Math.min(a, b), beginVal: a, endVal: b, sure: !unsure.includes(i - 1) });
  }
  return out;
}
const segs = (p: SegPen[]) => buildSegments(p).map((s) => [s.startPen, s.endPen, s.dir, s.confirmed, s.endCase]);

describe('segments', () => {
  // Down pens (feature elements of the up segment): [15,20] [18,25] [22,30] [19,26]:
  // e1=[18,25] e2=[22,30] e3=[19,26] is a top without gap (25 >= 22): the segment ends at the pen reaching 30.
  const CASE1 = [10, 20, 15, 25, 18, 30, 22, 26, 19, 23];

  it("case 1: feature-sequence top without gap ends the up segment at the pen holding e2's high", () => {
    expect(segs(pensFrom(CASE1))).toEqual([
      [0, 4, 1, true, 1],
      [5, 7, -1, false, null],
      [8, 8, 1, false, null],
    ]);
  });

  it('case 1 with an unconfirmed pen as evidence stays provisional', () => {
    expect(segs(pensFrom(CASE1, [7]))[0]).toEqual([0, 4, 1, false, null]);
  });

  // e1=[15,20] e2=[22,30]: gap (20 < 22). The following down move's up pens [22,28] [18,23] [19,27]
  // form a bottom, which confirms the up segment; the down segment ends by case 1 at 18.
  const CASE2 = [10, 20, 15, 30, 22, 28, 18, 23, 19, 27];

  it('case 2: a gap needs the opposite fractal of the new move before the segment is confirmed', () => {
    expect(segs(pensFrom(CASE2))).toEqual([
      [0, 2, 1, true, 2],
      [3, 5, -1, true, 1],
      [6, 8, 1, false, null],
    ]);
  });

  it('case 2 before the opposite fractal exists: provisional, so no end case yet', () => {
    expect(segs(pensFrom(CASE2.slice(0, 7)))).toEqual([
      [0, 2, 1, false, null],
      [3, 5, -1, false, null],
    ]);
  });

  it('fewer than 3 pens make no segment', () => {
    expect(segs(pensFrom([10, 20, 15]))).toEqual([]);
  });
});
