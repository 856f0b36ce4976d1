// Properties every output must have, on random walks with every pen and structure option combination,
// on both engines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fractalList } from '../src/core/result.js';
import { sliceBars } from '../src/core/bars.js';
import type { AnalysisResult, Bars } from '../src/core/types.js';
import { resolveOptions, type PenOptions } from '../src/core/options.js';
import { barSeries, penOptions, structureOptions } from './support/arbitraries.js';
import { ENGINES } from './support/engines.js';

const RUNS = 400;

function checkPens(bars: Bars, r: AnalysisResult, opt: PenOptions): void {
  const m = r.merged;
  const fx = new Map(fractalList(r.fractals).map((f) => [f.mergedIndex, f.type]));
  r.pens.forEach((p, i) => {
    const up = p.direction === 'up';
    if (i > 0) {
      const q = r.pens[i - 1]!;
      expect(p.direction).not.toBe(q.direction);
      expect([p.startMerged, p.startRaw, p.startPrice]).toEqual([q.endMerged, q.endRaw, q.endPrice]);
    }
    // Minimum bars.
    const span = p.endMerged - p.startMerged;
    if (opt.definition === 'traditional') expect(span).toBeGreaterThanOrEqual(4);
    else {
      expect(span).toBeGreaterThanOrEqual(3);
      let inside = 0;
      for (let k = p.startMerged + 1; k < p.endMerged; k++) inside += m.rawEnd[k]! - m.rawStart[k]! + 1;
      expect(inside).toBeGreaterThanOrEqual(opt.minKlinesBetweenTurns);
    }
    // Endpoints are fractal extremes (a provisional end may be the last bar instead).
    expect(fx.get(p.startMerged)).toBe(up ? 'bottom' : 'top');
    if (p.confirmed) expect(fx.get(p.endMerged)).toBe(up ? 'top' : 'bottom');
    else expect(i).toBe(r.pens.length - 1);
    expect(p.startPrice).toBe(up ? m.low[p.startMerged] : m.high[p.startMerged]);
    expect(p.endPrice).toBe(up ? m.high[p.endMerged] : m.low[p.endMerged]);
    expect(up ? p.endPrice > p.startPrice : p.endPrice < p.startPrice).toBe(true);
    // Raw apex bars lie in their merged bars and carry the price.
    expect(p.startRaw).toBeGreaterThanOrEqual(m.rawStart[p.startMerged]!);
    expect(p.startRaw).toBeLessThanOrEqual(m.rawEnd[p.startMerged]!);
    expect(p.endRaw).toBeGreaterThanOrEqual(m.rawStart[p.endMerged]!);
    expect(p.endRaw).toBeLessThanOrEqual(m.rawEnd[p.endMerged]!);
    expect(up ? bars.low[p.startRaw] : bars.high[p.startRaw]).toBe(p.startPrice);
    expect(up ? bars.high[p.endRaw] : bars.low[p.endRaw]).toBe(p.endPrice);
    if (opt.endIsPeak) {
      for (let k = p.startMerged + 1; k < p.endMerged; k++) {
        if (up) expect(m.high[k]!).toBeLessThanOrEqual(p.endPrice);
        else expect(m.low[k]!).toBeGreaterThanOrEqual(p.endPrice);
      }
    }
  });
}

function checkSegments(r: AnalysisResult): void {
  r.segments.forEach((s, i) => {
    expect(s.startPen).toBe(i === 0 ? 0 : r.segments[i - 1]!.endPen + 1);
    expect(s.endPen).toBeGreaterThanOrEqual(s.startPen);
    expect(s.endPen).toBeLessThan(r.pens.length);
    const a = r.pens[s.startPen]!,
      b = r.pens[s.endPen]!;
    expect([s.startRaw, s.startPrice, s.endRaw, s.endPrice]).toEqual([a.startRaw, a.startPrice, b.endRaw, b.endPrice]);
    if (s.confirmed) {
      expect(s.endPen - s.startPen).toBeGreaterThanOrEqual(2);
      expect(b.direction).toBe(s.direction);
      expect(s.direction === 'up' ? s.endPrice >= s.startPrice : s.endPrice <= s.startPrice).toBe(true);
      expect(s.endCase === 1 || s.endCase === 2).toBe(true);
      if (s.endCase === 2) {
        // Case 2 is confirmed only once the new move's own feature sequence (its pens against it,
        // from endPen + 2 on) has formed a fractal: that needs three such pens, read as confirmed
        // (the third may be the last confirmed pen, shown provisionally extended to the last bar).
        const e = s.endPen;
        expect(e + 6).toBeLessThan(r.pens.length);
        for (let i = e + 1; i <= e + 5; i++) expect(r.pens[i]!.confirmed).toBe(true);
      }
    } else expect(s.endCase).toBeNull();
  });
}

/** The lines and parents of a level, as plain rows. */
function levelOf(r: AnalysisResult, bars: Bars, level: 'pen' | 'segment') {
  const lines = (level === 'pen' ? r.pens : r.segments).map((l) => {
    const up = l.direction === 'up';
    // A segment's range comes from its raw bars; a pen's from its prices.
    const low = level === 'pen' ? Math.min(l.startPrice, l.endPrice) : bars.low[up ? l.startRaw : l.endRaw]!;
    const high = level === 'pen' ? Math.max(l.startPrice, l.endPrice) : bars.high[up ? l.endRaw : l.startRaw]!;
    return { up, low, high, begin: l.startPrice, end: l.endPrice, endRaw: l.endRaw, confirmed: l.confirmed };
  });
  const parents = (
    level === 'pen'
      ? r.segments.map((s) => [s.startPen, s.endPen, s.direction])
      : r.segmentsOfSegments.map((s) => [s.startSegment, s.endSegment, s.direction])
  ) as [number, number, 'up' | 'down'][];
  const parentOf = (line: number) => parents.findIndex(([a, b]) => a <= line && line <= b);
  return { lines, parents, parentOf };
}

function checkStructures(bars: Bars, r: AnalysisResult, o: ReturnType<typeof resolveOptions>): void {
  for (const level of ['pen', 'segment'] as const) {
    const { lines, parents, parentOf } = levelOf(r, bars, level);
    for (const z of r.pivots[level]) {
      // Inside one parent (or after the last one), made of lines against it, a real range within its peaks.
      const p = parentOf(z.startLine);
      expect(parentOf(z.endLine)).toBe(p);
      if (p >= 0) for (let i = z.startLine; i <= z.endLine; i += 2) expect(lines[i]!.up).toBe(parents[p]![2] !== 'up');
      else expect(z.startLine).toBeGreaterThan(parents.at(-1)?.[1] ?? -1);
      expect((z.endLine - z.startLine) % 2).toBe(0);
      expect(z.low).toBeLessThan(z.high);
      expect(z.peakLow).toBeLessThanOrEqual(z.low);
      expect(z.peakHigh).toBeGreaterThanOrEqual(z.high);
      expect(z.mid > z.low && z.mid < z.high).toBe(true);
      expect(z.enteringLine).toBe(z.startLine - 1);
      expect(z.enteringLine).toBeGreaterThanOrEqual(0);
    }
    for (const pt of r.buySellPoints[level]) {
      const l = lines[pt.line]!;
      // At its line's end, on the line's side.
      expect([pt.rawIndex, pt.price, pt.confirmed, pt.side]).toEqual([l.endRaw, l.end, l.confirmed, l.up ? 'sell' : 'buy']);
      const sideOptions = o.structures.points[level][pt.side];
      expect(sideOptions.types).toContain(pt.types[0]);
      const p = parentOf(pt.line);
      for (const t of pt.types) {
        if (t === '1' || t === '1p') {
          // At its parent's last line; 1p reaches the extreme of the line two before it.
          expect(parents[p]?.[1]).toBe(pt.line);
          if (t === '1p') {
            const pre = lines[pt.line - 2]!;
            expect(l.up ? l.high >= pre.high : l.low <= pre.low).toBe(true);
          }
        }
        if (t === '2' && parents.length > 1) {
          // The first retracement after a parent's last line, at most max_bsp2_rate of the break.
          const b1 = pt.line - 2,
            k = lines[b1 + 1]!;
          expect(parents.some(([, end]) => end === b1)).toBe(true);
          expect(Math.abs(l.end - l.begin) / Math.abs(k.end - k.begin)).toBeLessThanOrEqual(
            o.structures.points[level][parents[parentOf(b1)]![2] === 'up' ? 'sell' : 'buy'].maxBsp2Rate,
          );
        }
      }
      if (pt.types[0] === '1') {
        // It broke its parent's last pivot, with a rate (and the test passed unless the rate is off).
        const z = r.pivots[level].filter((q) => parentOf(q.startLine) === p).at(-1)!;
        expect(l.up ? l.high > z.high : l.low < z.low).toBe(true);
        expect(pt.divergenceRate).not.toBeNull();
        const rate = sideOptions.divergenceRate;
        if (rate <= 100) expect(pt.divergenceRate!).toBeLessThanOrEqual(rate * (1 + 1e-12));
      }
      if (pt.relatedLine !== null) expect(parents.some(([, end]) => end === pt.relatedLine)).toBe(true);
    }
  }
}

describe.each(ENGINES)('$name engine: invariants on random walks', (engine) => {
  it('merged bars partition the raw bars and alternate strictly', () => {
    fc.assert(
      fc.property(barSeries(), (bars) => {
        const m = engine.analyze(bars).merged;
        expect(m.rawStart[0]).toBe(0);
        expect(m.rawEnd[m.count - 1]).toBe(bars.high.length - 1);
        for (let k = 1; k < m.count; k++) {
          expect(m.rawStart[k]).toBe(m.rawEnd[k - 1]! + 1);
          // After inclusion, neighbours are strictly ordered on both high and low.
          const up = m.high[k]! > m.high[k - 1]!;
          expect(up ? m.low[k]! > m.low[k - 1]! : m.high[k]! < m.high[k - 1]! && m.low[k]! < m.low[k - 1]!).toBe(true);
          expect(m.dir[k]).toBe(up ? 1 : -1);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('pens alternate, meet their minimum bars, and end on fractal extremes', () => {
    fc.assert(
      fc.property(barSeries(), penOptions, (bars, pen) => {
        checkPens(bars, engine.analyze(bars, { pen }), pen);
      }),
      { numRuns: RUNS },
    );
  });

  it('segments tile the pens from the first, confirmed ones have >= 3 pens and end on pen endpoints', () => {
    fc.assert(
      fc.property(barSeries(1500), penOptions, (bars, pen) => {
        checkSegments(engine.analyze(bars, { pen }));
      }),
      { numRuns: RUNS },
    );
  });

  it("pivots lie inside one parent against it, with a real range; points sit at line ends and meet their types' conditions", () => {
    fc.assert(
      fc.property(barSeries(3000), penOptions, structureOptions, (bars, pen, structures) => {
        const o = resolveOptions({ pen, structures });
        checkStructures(bars, engine.analyze(bars, o), o);
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it('a pen that is followed by another confirmed pen never changes when more bars arrive', () => {
    fc.assert(
      fc.property(barSeries(), penOptions, fc.double({ min: 0, max: 1, noNaN: true }), (bars, pen, cut) => {
        const n = bars.high.length;
        const k = Math.max(1, Math.floor(n * cut));
        const full = engine.analyze(bars, { pen }).pens;
        const prefix = engine.analyze(sliceBars(bars, 0, k), { pen }).pens;
        const final = prefix.filter((p) => p.confirmed).slice(0, -1);
        expect(full.slice(0, final.length)).toEqual(final);
      }),
      { numRuns: RUNS },
    );
  });
});
