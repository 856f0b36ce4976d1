// What a chart file holds (no browser here): the column encoding, the window and its clipping,
// the page's decoder and lookups, the HTML around it. The browser tests (chart.browser.test.ts)
// check what is drawn.
import { describe, expect, it } from 'vitest';
import { chartData, chartHtml, type ChartAnalysis } from '../src/chart/index.js';
import { decodeColumn, encodeColumn, exactDigits, significantDigits } from '../src/chart/columns.js';
import { coveringAt, decode } from '../src/chart/page/decode.js';
import { BarValidationError, InputError } from '../src/core/errors.js';
import { barsFromObjects, sliceBars } from '../src/core/bars.js';
import { analyze } from '../src/engines/ts/pipeline.js';
import { fixtureBars, thrown } from './support/helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');

describe('chart columns', () => {
  it('stores differences as base-64 VLQ digits (hand-worked)', () => {
    // Differences 0, 1, -2, 17 -> zigzag 0, 2, 5, 34 -> A, C, F, then 34 = 2 + 32 (continued) and 1: "iB".
    expect(encodeColumn([0, 1, -1, 16], 0)).toEqual({ digits: 0, count: 4, vlq: 'ACFiB' });
    expect(Array.from(decodeColumn({ digits: 0, count: 4, vlq: 'ACFiB' }))).toEqual([0, 1, -1, 16]);
    // Two decimals: 1.05 -> 105 -> zigzag 210 = 18 + 32 * 6: digit 18 continued (50, "y"), then 6 ("G").
    expect(encodeColumn([1.05], 2).vlq).toBe('yG');
  });

  it('round-trips real prices and times exactly, at the fewest decimals that hold them', () => {
    for (const col of [SSE.open, SSE.high, SSE.low, SSE.close]) {
      const digits = exactDigits(col);
      expect(digits).toBe(2);
      expect(decodeColumn(encodeColumn(col, digits))).toEqual(col);
    }
    // Daily bars at midnight UTC: multiples of 10^5 ms (86,400,000 = 864 * 10^5).
    expect(exactDigits(SSE.timestamp, 0, SSE.timestamp.length, 0)).toBe(-5);
    expect(decodeColumn(encodeColumn(SSE.timestamp, -5))).toEqual(SSE.timestamp);
    // One-minute bars: multiples of 10^4 ms; a part of a column.
    const minutes = Float64Array.from({ length: 5 }, (_, i) => 1_420_421_400_000 + i * 60_000);
    expect(exactDigits(minutes, 1, 4, 0)).toBe(-4);
    expect(Array.from(decodeColumn(encodeColumn(minutes, -4, 1, 4)))).toEqual(Array.from(minutes.subarray(1, 4)));
  });

  it('keeps tiny and huge prices: digits follow the values, within what a double holds exactly', () => {
    const tiny = [0.00001234, 0.00001301];
    expect(exactDigits(tiny)).toBe(8);
    expect(Array.from(decodeColumn(encodeColumn(tiny, 8)))).toEqual(tiny);
    const huge = [1e15, 999_999_999_999_999.9];
    const d = exactDigits(huge);
    expect(1e15 * 10 ** d).toBeLessThanOrEqual(2 ** 51);
    expect(Array.from(decodeColumn(encodeColumn(huge, d)))).toEqual([1e15, 1e15]);
    // Computed values (no short decimal) get the most decimals: 8.
    expect(exactDigits([1 / 3])).toBe(8);
  });

  it('significantDigits keeps five digits of the largest value (the MACD)', () => {
    expect(significantDigits([117.299, -250.1, NaN])).toBe(2);
    expect(significantDigits([0.0123])).toBe(6);
    expect(significantDigits([0, 0])).toBe(0);
  });

  it('refuses a value that is not finite, and data that does not decode to its count', () => {
    expect(() => encodeColumn([1, NaN], 0)).toThrow(RangeError);
    expect(() => decodeColumn({ digits: 0, count: 1, vlq: 'AA' })).toThrow(/left over/);
    expect(() => decodeColumn({ digits: 0, count: 1, vlq: '!' })).toThrow(/bad character/);
  });
});

describe('chartData', () => {
  // Ten one-minute bars with integer prices.
  const bars = barsFromObjects(
    Array.from({ length: 10 }, (_, i) => ({
      timestamp: 1_700_000_000_000 + i * 60_000,
      open: 10 + i,
      high: 12 + i,
      low: 9 + i,
      close: 11 + i,
      volume: 1,
    })),
  );
  const t = (i: number) => bars.timestamp[i]!;
  const analysis: ChartAnalysis = {
    pens: [
      { index: 0, startRaw: 1, endRaw: 4, startPrice: 10, endPrice: 20, confirmed: true },
      { index: 1, startRaw: 4, endRaw: 8, startPrice: 20, endPrice: 12, confirmed: false },
    ],
    segments: [],
    segmentsOfSegments: [],
    pivots: { pen: [{ index: 0, startRaw: 1, endRaw: 7, low: 13, high: 15, confirmed: true }], segment: [] },
    buySellPoints: {
      pen: [
        { line: 0, rawIndex: 4, price: 20, side: 'sell', types: ['1', '2s'], confirmed: true },
        { line: 1, rawIndex: 8, price: 12, side: 'buy', types: ['3a'], confirmed: false },
      ],
      segment: [],
    },
    macd: {
      dif: Float64Array.from([NaN, NaN, 1, 2, 3, 4, 5, 6, 7, 8]),
      dea: new Float64Array(10),
      histogram: new Float64Array(10),
      firstValid: 2,
    },
  };

  it('draws the whole series by default', () => {
    const d = decode(chartData(bars, analysis, { title: 'T' }));
    expect(d.count).toBe(10);
    expect(Array.from(d.time)).toEqual(Array.from(bars.timestamp));
    expect(Array.from(d.pens.start)).toEqual([1, 4]);
    expect(Array.from(d.pens.provisional)).toEqual([0, 1]);
    expect(d.points.pen.sides).toBe('sb');
    expect(d.points.pen.types).toEqual(['1,2s', '3a']);
    expect([d.macd.first, ...d.macd.dif]).toEqual([2, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a window [from, to] keeps its bars; lines crossing an edge end there, on the line; boxes are clipped; points outside go', () => {
    const data = chartData(bars, analysis, { from: t(2), to: t(6) });
    expect(data.firstBar).toBe(2);
    const d = decode(data);
    expect(Array.from(d.time)).toEqual([t(2), t(3), t(4), t(5), t(6)]);
    expect(Array.from(d.open)).toEqual([12, 13, 14, 15, 16]);
    // Pen 0 (bar 1 at 10 to bar 4 at 20) starts at bar 2 at 10 + 10/3; pen 1 (bar 4 at 20 to bar 8 at 12) ends at bar 6 at 16.
    expect(Array.from(d.pens.index)).toEqual([0, 1]);
    expect([...d.pens.start, ...d.pens.end]).toEqual([0, 2, 2, 4]);
    expect(d.pens.startPrice[0]).toBeCloseTo(40 / 3, 7);
    expect([d.pens.endPrice[0], d.pens.startPrice[1], d.pens.endPrice[1]]).toEqual([20, 20, 16]);
    expect([d.pivots.pen.start[0], d.pivots.pen.end[0], d.pivots.pen.low[0], d.pivots.pen.high[0]]).toEqual([0, 4, 13, 15]);
    expect(Array.from(d.points.pen.bar)).toEqual([2]);
    expect(d.points.pen.sides).toBe('s');
    expect([d.macd.first, ...d.macd.dif]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a window before the MACD starts has MACD from its first defined bar', () => {
    const d = decode(chartData(bars, analysis, { to: t(3) }));
    expect([d.count, d.macd.first, ...d.macd.dif]).toEqual([4, 2, 1, 2]);
  });

  it('an empty window is an InputError naming --from/--to and the series span', () => {
    const e = thrown(() => chartData(bars, analysis, { from: t(9) + 1 }), InputError);
    expect(e.field).toBe('from');
    expect(e.message).toBe(
      'no bars between 2023-11-14T22:22:20.001Z and the end: the series runs from 2023-11-14T22:13:20.000Z to 2023-11-14T22:22:20.000Z',
    );
  });

  it('an analysis of other bars than those given is an InputError saying so (it was a RangeError, or a chart of lines past the bars)', () => {
    const r = analyze(sliceBars(SSE, 0, 1000));
    for (const given of [SSE, sliceBars(SSE, 0, 500)]) {
      const e = thrown(() => chartData(given, r), InputError);
      expect([e.field, e.message]).toEqual([
        'bars',
        `the analysis is of 1000 bars, ${given.timestamp.length} were given: chart the bars it was made of`,
      ]);
    }
  });

  it('bars less than a second apart are refused naming the bar (the chart keys bars by second)', () => {
    const close = barsFromObjects([0, 400, 1000].map((ms) => ({ timestamp: ms, open: 1, high: 1, low: 1, close: 1, volume: 0 })));
    const macd = {
      firstValid: 3,
      dif: new Float64Array(3).fill(NaN),
      dea: new Float64Array(3).fill(NaN),
      histogram: new Float64Array(3).fill(NaN),
    };
    const e = thrown(
      () => chartData(close, { ...analysis, pens: [], pivots: { pen: [], segment: [] }, buySellPoints: { pen: [], segment: [] }, macd }),
      BarValidationError,
    );
    expect([e.index, e.field]).toEqual([1, 'timestamp']);
  });

  it("on a real series: merged bars decode to the engine's, lines to its pens", () => {
    const r = analyze(SSE);
    const d = decode(chartData(SSE, r));
    const m = d.merged!;
    expect(m.count).toBe(r.merged.count);
    expect(Array.from(m.end)).toEqual(Array.from(r.merged.rawEnd));
    expect(Array.from(m.start)).toEqual(Array.from(r.merged.rawStart));
    expect(Array.from(m.high)).toEqual(Array.from(r.merged.high));
    expect(Array.from(d.pens.endPrice)).toEqual(r.pens.map((p) => p.endPrice));
    expect(Array.from(d.segmentsOfSegments.end)).toEqual(r.segmentsOfSegments.map((s) => s.endRaw));
    expect(Array.from(d.pivots.segment.high)).toEqual(r.pivots.segment.map((z) => z.high));
    // MACD at five significant digits of its largest values (DIF peaks at 284: two decimals), each rounded to 0.01.
    const data = chartData(SSE, r);
    expect(data.macd.dif.digits).toBe(2);
    for (let j = 0; j < d.macd.dif.length; j++)
      expect(Math.abs(d.macd.dif[j]! - r.macd.dif[d.macd.first + j]!)).toBeLessThanOrEqual(0.005 + 1e-9);
  });
});

describe('the page lookups', () => {
  const lines = { start: Float64Array.from([0, 3, 7]), end: Float64Array.from([3, 7, 9]) };
  it('coveringAt: the line over a bar; where two meet, the one starting there; none past the ends', () => {
    expect([0, 2, 3, 5, 7, 9].map((b) => coveringAt(lines, b))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(coveringAt(lines, 10)).toBe(-1);
    expect(coveringAt({ start: Float64Array.from([2]), end: Float64Array.from([4]) }, 1)).toBe(-1);
  });
});

describe('chartHtml', () => {
  it('one page with the data, the script and the library notice; nothing can end a script early', () => {
    const html = chartHtml(SSE, analyze(SSE), { title: 'a </script><script>alert(1)</script>', subtitle: 'x & y' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>a &#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;</title>');
    expect(html).toContain('x &#38; y');
    expect(html.match(/<script/g)!.length).toBe(2);
    expect(html.match(/<\/script>/g)!.length).toBe(2);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('TradingView Lightweight Charts™ v5.3.0');
    expect(html).toContain('Licensed under Apache License 2.0');
  });
});
