// Streaming structures: after every bar the segments of segments, pivots and buy/sell points equal a
// batch analysis of the bars so far (chan.py's step mode equals its batch at every bar), the events
// rebuild them, and the history of the points bar by bar is chan.py's (_step oracle).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barAt, sliceBars } from '../src/core/bars.js';
import type { StreamEvent } from '../src/core/events.js';
import type { PartialAnalysisOptions } from '../src/core/options.js';
import type { AnalysisResult, BuySellPoint, Pivot } from '../src/core/types.js';
import { analyze } from '../src/engines/ts/pipeline.js';
import { StreamingAnalyzer } from '../src/streaming/analyzer.js';
import { stringifyExact } from '../src/streaming/state-blob.js';
import { barSeries, penOptions, structureOptions } from './support/arbitraries.js';
import { KERNELS } from './support/engines.js';
import { fixtureBars, fixtureText, REAL_SERIES } from './support/helpers.js';

const SSE = fixtureBars(REAL_SERIES[0]);
const INF: PartialAnalysisOptions = {
  structures: { points: { pen: { divergenceRate: Infinity }, segment: { divergenceRate: Infinity } } },
};
const RUNS = Math.max(20, Number(process.env.STREAM_RUNS ?? 300) / 5);

const structures = (r: AnalysisResult) => ({
  segmentsOfSegments: r.segmentsOfSegments,
  pivots: r.pivots,
  buySellPoints: r.buySellPoints,
});

/** Equal structures, numbers exactly (NaN, Infinity and -0 included). */
function expectSameStructures(a: AnalysisResult, b: AnalysisResult, where: string): void {
  if (stringifyExact(structures(a)) === stringifyExact(structures(b))) return;
  expect(structures(a), where).toEqual(structures(b));
  throw new Error(`${where}: structures differ in a float's bits`);
}

/** A consumer's copy of the pivots and points, kept by the structure events alone. */
class StructureModel {
  readonly pivots = { pen: new Map<number, Pivot>(), segment: new Map<number, Pivot>() };
  readonly points = { pen: new Map<number, BuySellPoint>(), segment: new Map<number, BuySellPoint>() };
  /**
   * Events that say what is not so (must never happen): a pivot formed or a point appeared that is
   * already held; one changed, confirmed, removed or withdrawn that is not (a withdrawal is said
   * once); a change that changes nothing or only confirms (that is pivot_confirmed); a
   * confirmation that changes more than the flag.
   */
  readonly violations: string[] = [];
  apply(events: readonly StreamEvent[]): void {
    for (const e of events) {
      const say = (what: string) => this.violations.push(`${e.type} ${'level' in e ? e.level : ''} ${what}`);
      if (e.type === 'pivot_formed' || e.type === 'pivot_changed' || e.type === 'pivot_confirmed') {
        const held = this.pivots[e.level].get(e.pivot.index);
        if (e.type === 'pivot_formed' && held !== undefined) say(`${e.pivot.index}: already held`);
        if (e.type !== 'pivot_formed' && held === undefined) say(`${e.pivot.index}: not held`);
        if (e.type === 'pivot_changed' && held !== undefined && stringifyExact(held) === stringifyExact(e.pivot))
          say(`${e.pivot.index}: unchanged`);
        const onlyConfirms = held?.confirmed === false && stringifyExact({ ...held, confirmed: true }) === stringifyExact(e.pivot);
        if (e.type === 'pivot_changed' && onlyConfirms) say(`${e.pivot.index}: only its confirmed flag (pivot_confirmed)`);
        if (e.type === 'pivot_confirmed' && held !== undefined && !onlyConfirms) say(`${e.pivot.index}: more than its flag`);
        this.pivots[e.level].set(e.pivot.index, e.pivot);
      } else if (e.type === 'pivot_removed') {
        if (!this.pivots[e.level].delete(e.index)) say(`${e.index}: not held`);
      } else if (e.type === 'point_appeared' || e.type === 'point_changed') {
        const held = this.points[e.level].get(e.point.line);
        if (e.type === 'point_appeared' && held !== undefined) say(`${e.point.line}: already held`);
        if (e.type === 'point_changed' && (held === undefined || stringifyExact(held) === stringifyExact(e.point)))
          say(`${e.point.line}: ${held === undefined ? 'not held' : 'unchanged'}`);
        this.points[e.level].set(e.point.line, e.point);
      } else if (e.type === 'point_withdrawn') {
        if (!this.points[e.level].delete(e.line)) say(`${e.line}: not held`);
      }
    }
  }
  expectEqual(r: AnalysisResult, where: string): void {
    for (const level of ['pen', 'segment'] as const) {
      expect(sorted(this.pivots[level]), `${where} ${level} pivots`).toEqual(r.pivots[level]);
      expect(sorted(this.points[level]), `${where} ${level} points`).toEqual(r.buySellPoints[level]);
    }
  }
}

const sorted = <T>(m: Map<number, T>): T[] => [...m.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);

for (const kernel of KERNELS) {
  describe(`${kernel.engine} kernel: streaming structures`, () => {
    for (const [name, o] of [
      ['the product default (divergence rate 0.9)', {}],
      ["chan.py's code default (divergence rate .inf)", INF],
    ] as const) {
      it(`SSE daily, ${name}: after every bar the structures equal batch and the events rebuild them`, () => {
        const s = new StreamingAnalyzer(o, { kernel });
        const model = new StructureModel();
        for (let i = 0; i < SSE.timestamp.length; i++) {
          model.apply(s.append(barAt(SSE, i)).events);
          const snap = s.snapshot();
          expectSameStructures(snap, analyze(sliceBars(SSE, 0, i + 1), o), `bar ${i}`);
          model.expectEqual(snap, `bar ${i}`);
        }
        expect(model.violations).toEqual([]);
        // The final state has every kind of structure.
        const end = s.snapshot();
        expect([end.segmentsOfSegments.length, end.pivots.pen.length, end.pivots.segment.length]).toEqual([9, 26, 2]);
        expect(end.buySellPoints.pen.length).toBe(o === INF ? 46 : 17);
      }, 120_000);
    }

    it('a bar that confirmed a segment, replaced by a flat bar at the last close (the confirmation taken back): the structures equal batch on the corrected bars, and again once the real bar is back', () => {
      const s = new StreamingAnalyzer({}, { kernel });
      const model = new StructureModel();
      let replaced = 0,
        takenBack = 0;
      for (let i = 0; i < SSE.timestamp.length; i++) {
        const real = barAt(SSE, i);
        const u = s.append(real);
        model.apply(u.events);
        if (i === 0 || !u.events.some((e) => e.type === 'segment_confirmed')) continue;
        const c = SSE.close[i - 1]!;
        const flat = { ...real, open: c, high: c, low: c, close: c };
        const r = s.replaceLast(flat);
        model.apply(r.events);
        const b = sliceBars(SSE, 0, i + 1);
        const corrected = { ...b, open: b.open.slice(), high: b.high.slice(), low: b.low.slice(), close: b.close.slice() };
        corrected.open[i] = corrected.high[i] = corrected.low[i] = corrected.close[i] = c;
        const batch = analyze(corrected),
          realBatch = analyze(b);
        const confirmed = (x: AnalysisResult) => x.segments.filter((g) => g.confirmed).length;
        if (confirmed(batch) < confirmed(realBatch)) takenBack++;
        const snap = s.snapshot();
        expectSameStructures(snap, batch, `bar ${i} flat`);
        model.expectEqual(snap, `bar ${i} flat`);
        model.apply(s.replaceLast(real).events);
        expectSameStructures(s.snapshot(), realBatch, `bar ${i} real again`);
        replaced++;
      }
      model.expectEqual(s.snapshot(), 'end');
      expect(model.violations).toEqual([]);
      expect([replaced, takenBack]).toEqual([19, 18]);
    }, 120_000);

    it("SSE daily: the points' history bar by bar is chan.py's in step mode (the _step oracle's bsp_history)", () => {
      const oracle = JSON.parse(fixtureText('sse_000001_1d_20061106_20200716.chanpy_newpen_structures_step.json.gz')) as {
        bsp_history: Record<
          'pen' | 'seg',
          { line: number; raw_idx: number; is_buy: boolean; types: string[]; first_bar: number; last_bar: number; alive_at_end: boolean }[]
        >;
      };
      const s = new StreamingAnalyzer(INF, { kernel });
      const model = new StructureModel();
      const n = SSE.timestamp.length;
      // Runs of bars during which a point with exactly this line, raw bar, side and types was shown.
      const open = { pen: new Map<string, number>(), segment: new Map<string, number>() };
      const runs = { pen: [] as string[], segment: [] as string[] };
      const key = (p: BuySellPoint) => `${p.line}|${p.rawIndex}|${p.side === 'buy'}|${p.types.join(',')}`;
      for (let i = 0; i < n; i++) {
        model.apply(s.append(barAt(SSE, i)).events);
        for (const level of ['pen', 'segment'] as const) {
          const now = new Set([...model.points[level].values()].map(key));
          for (const [k, first] of open[level]) {
            if (!now.has(k)) {
              runs[level].push(`${k}|${first}|${i - 1}|false`);
              open[level].delete(k);
            }
          }
          for (const k of now) if (!open[level].has(k)) open[level].set(k, i);
        }
      }
      for (const level of ['pen', 'segment'] as const)
        for (const [k, first] of open[level]) runs[level].push(`${k}|${first}|${n - 1}|true`);
      const expected = (rows: (typeof oracle.bsp_history)['pen']) =>
        rows.map((r) => `${r.line}|${r.raw_idx}|${r.is_buy}|${r.types.join(',')}|${r.first_bar}|${r.last_bar}|${r.alive_at_end}`).sort();
      expect(runs.pen.sort()).toEqual(expected(oracle.bsp_history.pen));
      expect(runs.segment.sort()).toEqual(expected(oracle.bsp_history.seg));
      expect(runs.pen.length).toBe(752);
    }, 120_000);

    it('a withdrawal says why: the line is gone, its end moved, or (the line unchanged) the rules no longer give a point', () => {
      const s = new StreamingAnalyzer(INF, { kernel });
      const reasons = { line_removed: 0, line_changed: 0, rules: 0 };
      let before = s.snapshot();
      for (let i = 0; i < SSE.timestamp.length; i++) {
        const { events } = s.append(barAt(SSE, i));
        const after = s.snapshot();
        for (const e of events) {
          if (e.type !== 'point_withdrawn') continue;
          reasons[e.reason]++;
          const lines = e.level === 'pen' ? after.pens : after.segments;
          const old = before.buySellPoints[e.level].find((p) => p.line === e.line)!;
          const line = lines[e.line];
          if (e.reason === 'line_removed') expect(line).toBeUndefined();
          else if (e.reason === 'line_changed') expect([line!.endRaw, line!.endPrice]).not.toEqual([old.rawIndex, old.price]);
          else expect([line!.endRaw, line!.endPrice]).toEqual([old.rawIndex, old.price]);
        }
        before = after;
      }
      expect(reasons).toEqual({ line_removed: 2, line_changed: 7, rules: 42 });
    }, 120_000);
  });
}

describe('random series x structure options', () => {
  it(`(${RUNS} runs, both kernels): after every bar (appends and forming bars replaced) the structures equal batch, the kernels give the same updates`, () => {
    fc.assert(
      fc.property(
        barSeries(2500),
        penOptions,
        structureOptions,
        fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }),
        (b, pen, st, forming) => {
          const o = { pen, structures: st };
          const [ts, wasm] = KERNELS.map((kernel) => new StreamingAnalyzer(o, { kernel }));
          const model = new StructureModel();
          const n = b.timestamp.length;
          for (let i = 0; i < n; i++) {
            const real = barAt(b, i);
            if (forming[i % 32]) {
              const open = { ...real, high: real.open, low: real.open, close: real.open };
              const u = ts!.append(open);
              expect(wasm!.append(open)).toEqual(u);
              model.apply(u.events);
              const r = ts!.replaceLast(real);
              expect(wasm!.replaceLast(real)).toEqual(r);
              model.apply(r.events);
            } else {
              const u = ts!.append(real);
              expect(wasm!.append(real)).toEqual(u);
              model.apply(u.events);
            }
            // Every bar for short series, every 25th for long ones (batch costs O(n) per bar).
            if (n < 400 || i % 25 === 0 || i === n - 1) {
              const snap = ts!.snapshot();
              expectSameStructures(snap, analyze(sliceBars(b, 0, i + 1), o), `bar ${i}`);
              model.expectEqual(snap, `bar ${i}`);
            }
          }
          expect(model.violations).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
