// Streaming structures: after every bar the segments of segments, pivots and buy/sell points equal a
// batch analysis of the bars so far (chan.py's step mode equals its batch at every bar), the events
// rebuild them, and the history of the points bar by bar is chan.py's (_step oracle).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barAt, sliceBars } from '../src/core/bars.js';
import type { StreamEvent } from '../src/core/events.js';
import type { PartialAnalysisOptions } from '../src/core/options.js';
import type { AnalysisResult, BuySellPoint, Pen, Pivot } from '../src/core/types.js';
import { analyze } from '../src/engines/ts/pipeline.js';
import { resolveOptions } from '../src/core/options.js';
import { StreamingAnalyzer } from '../src/streaming/analyzer.js';
import { StructureLevel } from '../src/streaming/structure-level.js';
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

/** A line of the structure level, as StreamStructures sets it from a pen (with any metric). */
interface LevelLine {
  up: boolean;
  begin: number;
  end: number;
  beginRaw: number;
  endRaw: number;
  beginTime: number;
  endTime: number;
  confirmed: boolean;
  metric: number;
}

const levelLine = (p: Pen, k: number): LevelLine => ({
  up: p.direction === 'up',
  begin: p.startPrice,
  end: p.endPrice,
  beginRaw: p.startRaw,
  endRaw: p.endRaw,
  beginTime: p.startTime,
  endTime: p.endTime,
  confirmed: p.confirmed,
  metric: 1 + Math.abs(Math.sin(k)),
});

function setLevelLine(lv: StructureLevel, g: number, l: LevelLine): void {
  const [low, high] = l.up ? [l.begin, l.end] : [l.end, l.begin];
  lv.setLine(g, l.up ? 1 : -1, low, high, l.begin, l.end, l.beginRaw, l.endRaw, l.beginTime, l.endTime, l.confirmed, l.metric);
}

/** One field of a line changed, alone. */
const CHANGES: Record<string, (l: LevelLine, by: number) => void> = {
  'end price': (l, by) => (l.end += (l.up ? 1 : -1) * by * 0.37),
  'begin price': (l, by) => (l.begin += (l.up ? -1 : 1) * by * 0.37),
  'end price, inward': (l, by) => (l.end -= (l.up ? 1 : -1) * Math.min(by * 0.05, Math.abs(l.end - l.begin) / 2)),
  'end raw bar': (l, by) => (l.endRaw += by),
  'end time': (l, by) => (l.endTime += by * 1000),
  'begin time': (l, by) => (l.beginTime -= by * 1000),
  'confirmed flag': (l) => (l.confirmed = !l.confirmed),
  metric: (l, by) => (l.metric *= by % 2 === 0 ? 3 : 1 / 3),
};

describe('StructureLevel: an update equals a level built afresh', () => {
  it(`(${RUNS * 5} runs): after one field of one line or parent past the fixed parents changes, alone, or a line is added, or one more parent becomes fixed, the pivots and points equal a new level's on the same lines (the objects kept from the last update are kept only when unchanged)`, () => {
    // New lines past the last parent (weighted: a trailing pivot needs several) give pivots a leaving line.
    const fields = [
      ...Object.keys(CHANGES),
      ...['parent confirmed flag', 'one more parent fixed', 'one more parent fixed'],
      ...['a new last line', 'a new last line', 'a new last line'],
    ];
    const change = fc.record({ at: fc.nat(), field: fc.constantFrom(...fields), by: fc.integer({ min: 1, max: 4 }) });
    fc.assert(
      fc.property(barSeries(1500), structureOptions, fc.array(change, { minLength: 1, maxLength: 12 }), (b, st, changes) => {
        const r = analyze(b);
        const options = resolveOptions({ structures: st }).structures;
        const segs = r.segments;
        if (segs.length < 2) return;
        const lines = r.pens.map(levelLine);
        const parents = segs.map((s) => ({ ...s }));
        // Parents before `fixed` never change; lines from `free` on (theirs and after them) may. Updates
        // move `fixed` on, as a stream's confirmed segments do, so the level freezes what becomes final.
        let fixed = Math.max(0, segs.length - 5),
          free = segs[fixed]!.startPen;
        const setParent = (lv: StructureLevel, s: (typeof parents)[number]) =>
          lv.setParent(s.index, s.startPen, s.endPen, s.direction === 'up' ? 1 : -1, s.confirmed);
        // The level afresh is told no parent is fixed, so it freezes nothing: the rules on every line.
        const build = (fixedParents: number) => {
          const lv = new StructureLevel('pen');
          lines.forEach((l, g) => setLevelLine(lv, g, l));
          for (const s of parents) setParent(lv, s);
          lv.update(fixedParents, options, []);
          return lv;
        };
        const kept = build(fixed);
        for (const c of changes) {
          let what: string;
          if (c.field === 'one more parent fixed') {
            // What the parents before it make final is frozen; their lines never change again.
            fixed = Math.min(fixed + 1, parents.length - 1);
            free = parents[fixed]!.startPen;
            what = `${fixed} parents fixed`;
          } else if (c.field === 'parent confirmed flag') {
            // A parent past the fixed ones confirmed (or taken back).
            const s = parents[fixed + (c.at % (parents.length - fixed))]!;
            s.confirmed = !s.confirmed;
            setParent(kept, s);
            what = `${c.field} of parent ${s.index}`;
          } else if (c.field === 'a new last line') {
            const last = lines.at(-1)!,
              up = !last.up;
            const l = {
              ...last,
              up,
              begin: last.end,
              end: last.end + (up ? 1 : -1) * c.by * 0.8,
              beginRaw: last.endRaw,
              endRaw: last.endRaw + c.by,
            };
            lines.push({ ...l, beginTime: last.endTime, endTime: last.endTime + c.by * 1000, confirmed: false });
            setLevelLine(kept, lines.length - 1, lines.at(-1)!);
            what = `line ${lines.length - 1} added`;
          } else {
            const g = free + (c.at % (lines.length - free));
            CHANGES[c.field]!(lines[g]!, c.by);
            setLevelLine(kept, g, lines[g]!);
            what = `${c.field} of line ${g}`;
          }
          kept.update(fixed, options, []);
          const fresh = build(0);
          expect(kept.pivots(), what).toEqual(fresh.pivots());
          expect(kept.points(), what).toEqual(fresh.points());
        }
      }),
      { numRuns: RUNS * 5 },
    );
  }, 600_000);
});
