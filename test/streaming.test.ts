// Streaming analysis: after every bar the snapshot equals the batch analysis of the bars so far,
// replaceLast sequences equal batch on the final bars, and the events rebuild the pens and segments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/engines/ts/pipeline.js';
import { barAt, sliceBars } from '../src/core/bars.js';
import { BarValidationError, InputError } from '../src/core/errors.js';
import type { AnalysisOptions, PartialAnalysisOptions } from '../src/core/options.js';
import { StreamingAnalyzer, type Retained, type StreamBar } from '../src/streaming/analyzer.js';
import { structureTailPart, tailPen, tailPivot, tailPoint, tailSegment, tailSegmentOfSegments } from '../src/streaming/tails.js';
import { checkPenTail, checkSegmentTail, checkSegsegTail, checkStructureTail } from '../src/failover/output-check.js';
import { type StreamEvent } from '../src/core/events.js';
import type { AnalysisResult, Bars, Pen, Segment } from '../src/core/types.js';
import { fingerprint } from '../src/failover/fingerprint.js';
import { anySeries, macdOptions, penOptions, structureOptions } from './support/arbitraries.js';
import { KERNELS } from './support/engines.js';
import { fixtureBars, hl, REAL_SERIES, thrown } from './support/helpers.js';
import { expectSame } from './support/same.js';

const RUNS = Number(process.env.STREAM_RUNS ?? 300);
/** Each property run takes up to ~0.3 s on a slow CI machine (every prefix of a random series). */
const PROPERTY_TIMEOUT = Math.max(120_000, RUNS * 1_000);
const bar = barAt;
/** Appends bar i of `b`; every 7th (i % 7 === 3) first arrives wider, then is replaced by the real one. */
function feed(s: StreamingAnalyzer, b: Bars, i: number): void {
  if (i % 7 === 3) {
    s.append({ ...bar(b, i), high: b.high[i]! + 1, close: b.high[i]! + 1 });
    s.replaceLast(bar(b, i));
  } else s.append(bar(b, i));
}
const batchFp = (b: Bars, n: number, o: PartialAnalysisOptions | AnalysisOptions) => fingerprint(analyze(sliceBars(b, 0, n), o));

/** Applies events to a consumer's copy of the pens and segments. */
class EventModel {
  pens = new Map<number, Pen>();
  segments = new Map<number, Segment>();
  apply(events: readonly StreamEvent[]): void {
    for (const e of events) {
      if ('pen' in e) this.pens.set(e.pen.index, e.pen);
      else if ('segment' in e) this.segments.set(e.segment.index, e.segment);
      else if (e.type === 'pen_removed') this.pens.delete(e.index);
      else if (e.type === 'segment_removed') this.segments.delete(e.index);
    }
  }
  sorted<T>(m: Map<number, T>): T[] {
    return [...m.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }
}

for (const kernel of KERNELS) {
  describe(`${kernel.engine} engine: streaming equals batch at every prefix`, () => {
    it('sse_000001_1d, first 2,000 bars: after every bar, the whole snapshot equals batch (every field, floats bit for bit) and the events rebuild its pens and segments', () => {
      const b = fixtureBars(REAL_SERIES[0]);
      const s = new StreamingAnalyzer({}, { kernel });
      const model = new EventModel();
      for (let i = 0; i < 2000; i++) {
        model.apply(s.append(bar(b, i)).events);
        const snap = s.snapshot();
        expectSame(snap, analyze(sliceBars(b, 0, i + 1)), `bar ${i}`);
        expect(model.sorted(model.pens), `bar ${i}`).toEqual(snap.pens);
        expect(model.sorted(model.segments), `bar ${i}`).toEqual(snap.segments);
      }
    }, 120_000);

    it("a snapshot's pens are made from its pen columns when first read, then kept, and its MACD histogram from DIF and DEA, as a batch result's (the same keys in the same order)", () => {
      const b = fixtureBars(REAL_SERIES[0]);
      const s = new StreamingAnalyzer({}, { kernel });
      for (let i = 0; i < 1000; i++) s.append(bar(b, i));
      const snap = s.snapshot(),
        batch = analyze(sliceBars(b, 0, 1000));
      expect(typeof Object.getOwnPropertyDescriptor(snap, 'pens')?.get).toBe('function');
      expect(Object.keys(snap)).toEqual(Object.keys(batch));
      expect(snap.penColumns).toEqual(batch.penColumns);
      const pens = snap.pens;
      expect(snap.pens).toBe(pens);
      expect(pens).toEqual(batch.pens);
      expect(JSON.parse(JSON.stringify(snap)).pens).toEqual(JSON.parse(JSON.stringify(batch.pens)));
      expect(typeof Object.getOwnPropertyDescriptor(snap.macd, 'histogram')?.get).toBe('function');
      expect(Object.keys(snap.macd)).toEqual(Object.keys(batch.macd));
      expect(snap.macd.histogram).toEqual(batch.macd.histogram);
    });

    it("sharedSnapshot(): its bar and MACD columns are the analyzer's own until the analyzer changes a row they show (appending keeps them; replaceLast, growing and a window's compaction copy the analyzer's side first), and it equals snapshot() and barsCopy()", () => {
      const b = fixtureBars(REAL_SERIES[0]);
      const copyBars = (x: Bars): Bars => ({
        timestamp: x.timestamp.slice(),
        open: x.open.slice(),
        high: x.high.slice(),
        low: x.low.slice(),
        close: x.close.slice(),
        volume: x.volume.slice(),
      });
      const copyOf = (v: { result: AnalysisResult; bars: Bars }) => ({
        bars: copyBars(v.bars),
        dif: v.result.macd.dif.slice(),
        dea: v.result.macd.dea.slice(),
        histogram: v.result.macd.histogram.slice(),
      });
      const unchanged = (v: { result: AnalysisResult; bars: Bars }, c: ReturnType<typeof copyOf>, why: string) => {
        expect(v.bars, why).toEqual(c.bars);
        expect([v.result.macd.dif, v.result.macd.dea, v.result.macd.histogram], why).toEqual([c.dif, c.dea, c.histogram]);
      };
      for (const window of [undefined, 500]) {
        const s = new StreamingAnalyzer({}, { kernel, window });
        let n = 0;
        const feed = (to: number) => {
          for (; n < to; n++) s.append(bar(b, n));
        };
        feed(600);
        const first = s.sharedSnapshot();
        expect(first.result).toEqual(s.snapshot());
        expect(first.bars).toEqual(s.barsCopy());
        const firstCopy = copyOf(first);
        feed(601);
        const second = s.sharedSnapshot();
        // Shared, not copied: appending wrote only rows past what `first` shows.
        expect(second.bars.high.buffer).toBe(first.bars.high.buffer);
        expect(second.result.macd.dif.buffer).toBe(first.result.macd.dif.buffer);
        unchanged(first, firstCopy, `${window}: after an append`);
        const secondCopy = copyOf(second);
        const last = bar(b, 600);
        s.replaceLast({ ...last, high: last.high + 1, close: last.high + 1 });
        unchanged(second, secondCopy, `${window}: after replaceLast`);
        const third = s.sharedSnapshot();
        expect(third.bars.high.buffer).not.toBe(second.bars.high.buffer);
        expect(third.bars.high[600]).toBe(last.high + 1);
        const thirdCopy = copyOf(third);
        // Past the columns' first capacity (1,024 rows) and, with the window, past 2 x 500 bars.
        feed(1100);
        unchanged(first, firstCopy, `${window}: after growing or compacting`);
        unchanged(third, thirdCopy, `${window}: after growing or compacting`);
        // The analyzer's own state is intact: it still equals batch on the bars as they stand.
        const stand = copyBars(sliceBars(b, 0, 1100));
        stand.high[600] = stand.close[600] = last.high + 1;
        const now = s.sharedSnapshot();
        expect(now.result).toEqual(s.snapshot());
        if (window === undefined) expect(fingerprint(now.result)).toBe(fingerprint(analyze(stand)));
        else expect(now.bars).toEqual(sliceBars(stand, s.retained.firstBar, 1100));
      }
      // A view of the first bar alone, then the window's first compaction (at 1,000 bars, before the
      // columns grow past 1,024 rows): the one row it shows is moved away from under it, not over it.
      const s = new StreamingAnalyzer({}, { kernel, window: 500 });
      s.append(bar(b, 0));
      const one = s.sharedSnapshot(),
        oneCopy = copyOf(one);
      for (let i = 1; i < 1000; i++) s.append(bar(b, i));
      expect(s.retained.firstBar).toBeGreaterThan(0);
      unchanged(one, oneCopy, 'a one-bar view through the first compaction');
    });

    it('penTail(n), segmentTail(n) and macdTail(n): the last n pens, segments and MACD values of the snapshot (global indices), their and the bar counts, and parts that pass their checks, after every bar of the first 1,500 SSE daily bars (some replaced), with and without a window', () => {
      const b = fixtureBars(REAL_SERIES[0]);
      for (const window of [undefined, 500]) {
        const s = new StreamingAnalyzer({}, { kernel, window });
        for (let i = 0; i < 1500; i++) {
          feed(s, b, i);
          const snap = s.snapshot();
          // Infinity (every 25th bar): every kept pen and segment; with the window, from bar 999 on, the
          // first of them is one a tail cannot start from.
          for (const n of i % 25 === 24 ? [1, 3, 10, Infinity] : [1, 3, 10]) {
            // With a window, a tail starts after a pen (segment) whose start is the first kept merged bar.
            const unchecked = (pen: Pen | undefined) => window !== undefined && pen?.startMerged === s.retained.firstMerged;
            const t = s.penTail(n);
            const pens = Array.from({ length: t.part.penColumns.count }, (_, j) => tailPen(t, j));
            const wanted = snap.pens.slice(-n);
            expect(pens, `${window} bar ${i}, ${n}`).toEqual(unchecked(wanted[0]) ? wanted.slice(1) : wanted);
            expect([t.total, t.barCount]).toEqual([s.retained.firstPen + snap.penColumns.count, i + 1]);
            // It reads from the merged bar before its first pen's start (the last merged bar when it shows no pen).
            const k0 = pens.length > 0 ? pens[0]!.startMerged - 1 : s.retained.firstMerged + snap.merged.count - 1;
            expect([t.mergedBase, t.rawBase], `${window} bar ${i}, ${n}`).toEqual([k0, snap.merged.rawStart[k0 - s.retained.firstMerged]]);
            expect(checkPenTail(t.part, t.bars), `${window} bar ${i}, ${n}`).toBeNull();
            const g = s.segmentTail(n);
            const segments = g.segments.map((_, j) => tailSegment(g, j));
            const wantedSegments = snap.segments.slice(-n);
            const firstPen = wantedSegments[0] && snap.pens[wantedSegments[0].startPen - s.retained.firstPen];
            expect(segments, `${window} bar ${i}, ${n} segments`).toEqual(unchecked(firstPen) ? wantedSegments.slice(1) : wantedSegments);
            expect(g.segmentTotal).toBe(s.retained.firstSegment + snap.segments.length);
            // Its pens: the snapshot's from its first segment's start, or the last pen when it shows no segment.
            const lastPen = s.retained.firstPen + Math.max(0, snap.penColumns.count - 1);
            expect(g.first, `${window} bar ${i}, ${n} segment tail pens`).toBe(segments[0]?.startPen ?? lastPen);
            expect(Array.from({ length: g.part.penColumns.count }, (_, j) => tailPen(g, j))).toEqual(
              snap.pens.slice(g.first - s.retained.firstPen),
            );
            expect(checkSegmentTail({ ...g.part, segments: g.segments }, g.bars), `${window} bar ${i}, ${n}`).toBeNull();
            // The MACD of the last n bars: the snapshot's (its arrays start at the first kept bar).
            const mt = s.macdTail(n),
              from = snap.barCount - s.retained.firstBar - mt.timestamp.length;
            expect(mt.first, `${window} bar ${i}, ${n}`).toBe(snap.barCount - Math.min(n, snap.barCount - s.retained.firstBar));
            expect([mt.macd.dif, mt.macd.dea, mt.macd.histogram, mt.timestamp]).toEqual([
              snap.macd.dif.slice(from),
              snap.macd.dea.slice(from),
              snap.macd.histogram.slice(from),
              s.barsCopy().timestamp.slice(from),
            ]);
            expect(mt.macd.firstValid).toBe(Math.max(0, snap.macd.firstValid - from));
          }
        }
      }
    }, 60_000);

    it('confirmedSegmentTail(n): the last n confirmed segments and how many there are, as the batch analysis of the bars so far gives them, every 10th of the first 2,500 MSFT daily bars (some replaced; some segments there stay unconfirmed among confirmed ones), with and without a window, through a save and restore', () => {
      const b = fixtureBars(REAL_SERIES[1]);
      let unconfirmedInside = 0;
      for (const window of [undefined, 500]) {
        let s = new StreamingAnalyzer({}, { kernel, window });
        for (let i = 0; i < 2500; i++) {
          feed(s, b, i);
          if (i === 1204) s = StreamingAnalyzer.restore(s.save(), undefined, { kernel });
          if (i % 10 !== 9) continue;
          const all = analyze(sliceBars(b, 0, i + 1)).segments;
          const confirmed = all.filter((x) => x.confirmed);
          if (all.findIndex((x) => !x.confirmed) < all.map((x) => x.confirmed).lastIndexOf(true)) unconfirmedInside++;
          for (const n of [1, 3, 10]) {
            const g = s.confirmedSegmentTail(n);
            const segments = g.segments.map((_, j) => tailSegment(g, j));
            // With a window, those before its first checkable pen are not in a tail.
            const wanted = confirmed.slice(-n).filter((x) => window === undefined || x.index >= g.firstSegment);
            expect(segments.filter((x) => x.confirmed).slice(-n), `${window} bar ${i}, ${n}`).toEqual(wanted);
            if (window === undefined || i < 900) expect(wanted.length, `${window} bar ${i}, ${n}`).toBe(Math.min(n, confirmed.length));
            expect(g.confirmedTotal, `${window} bar ${i}, ${n}`).toBe(confirmed.length);
            expect(checkSegmentTail({ ...g.part, segments: g.segments }, g.bars), `${window} bar ${i}, ${n}`).toBeNull();
          }
        }
      }
      expect(unconfirmedInside).toBeGreaterThan(50);
    }, 60_000);

    it('confirmedSegsegTail(n): the last n confirmed segments of segments and how many there are, as the batch analysis gives them, every 25th SSE daily bar (some replaced; its first segments of segments stay unconfirmed before confirmed ones), with and without a window, through a save and restore', () => {
      const b = fixtureBars(REAL_SERIES[0]);
      let unconfirmedInside = 0;
      for (const window of [undefined, 1000]) {
        let s = new StreamingAnalyzer({}, { kernel, window });
        for (let i = 0; i < b.timestamp.length; i++) {
          feed(s, b, i);
          // After bar 2,976 the window has dropped a confirmed segment of segments.
          if (i === 3004) s = StreamingAnalyzer.restore(s.save(), undefined, { kernel });
          if (i % 25 !== 24) continue;
          const all = analyze(sliceBars(b, 0, i + 1)).segmentsOfSegments;
          const confirmed = all.filter((x) => x.confirmed);
          if (all.findIndex((x) => !x.confirmed) < all.map((x) => x.confirmed).lastIndexOf(true)) unconfirmedInside++;
          for (const n of [1, 2, 5]) {
            const g = s.confirmedSegsegTail(n);
            const segsegs = g.segmentsOfSegments.map((_, j) => tailSegmentOfSegments(g, j));
            // With a window, those over segments it no longer keeps are not in a tail.
            const shown = segsegs.filter((x) => x.confirmed);
            const wanted = confirmed.slice(-n);
            expect(shown, `${window} bar ${i}, ${n}`).toEqual(window === undefined ? wanted : wanted.slice(wanted.length - shown.length));
            expect(g.confirmedTotal, `${window} bar ${i}, ${n}`).toBe(confirmed.length);
            expect(checkSegsegTail({ ...g.part, segments: g.segments, segmentsOfSegments: g.segmentsOfSegments }, g.bars)).toBeNull();
          }
        }
      }
      expect(unconfirmedInside).toBeGreaterThan(20);
    }, 60_000);

    it.each([
      { level: 'pen', series: 0, bars: 1500, every: 1, window: 500, least: 15_000 },
      { level: 'segment', series: 2, bars: Infinity, every: 97, window: 8000, least: 800 },
      // With this window, from bar 1,104 on, the segment of segments over the first line read starts
      // before the window (a tail once started inside it, which its check refused).
      { level: 'segment', series: 1, bars: 1200, every: 1, window: 500, least: 600 },
    ] as const)(
      'structureTail(n, $level): the last n pivots and points of the snapshot (global indices), their totals, and a part that passes its check, every $every bars (some replaced), with and without a window',
      ({ level, series, bars, every, window: win, least }) => {
        const b = fixtureBars(REAL_SERIES[series]);
        for (const window of [undefined, win]) {
          const s = new StreamingAnalyzer({}, { kernel, window });
          let shown = 0;
          for (let i = 0; i < Math.min(bars, b.timestamp.length); i++) {
            feed(s, b, i);
            if (i % every !== every - 1) continue;
            const snap = s.snapshot();
            for (const n of [1, 3, 10]) {
              const t = s.structureTail(n, level);
              const at = `${window} bar ${i}, ${n}`;
              const pivots = t.pivots.map((_, j) => tailPivot(t, j)),
                points = t.points.map((_, j) => tailPoint(t, j));
              const wantedPivots = snap.pivots[level].slice(-n),
                wantedPoints = snap.buySellPoints[level].slice(-n);
              // With a window, those that read a line before the first one a tail can start from are left out.
              const from = firstTailLine(snap, s.retained, level);
              expect(pivots, at).toEqual(wantedPivots.filter((z) => z.enteringLine >= from));
              expect(points, at).toEqual(wantedPoints.filter((p) => (p.relatedLine ?? p.line) >= from));
              expect([t.pivotTotal, t.pointTotal, t.barCount], at).toEqual([
                (snap.pivots[level].at(-1)?.index ?? -1) + 1,
                snap.buySellPoints[level].length,
                i + 1,
              ]);
              expect(checkStructureTail(structureTailPart(t), t.bars, s.options), at).toBeNull();
              shown += pivots.length + points.length;
            }
          }
          expect(shown).toBeGreaterThan(least);
        }
      },
      60_000,
    );

    it('segsegTail(n): the last n segments of segments of the snapshot (global indices), their total, and a part that passes its check, every 97th SPY hourly bar (some replaced), with and without a window', () => {
      const b = fixtureBars(REAL_SERIES[2]);
      for (const window of [undefined, 8000]) {
        const s = new StreamingAnalyzer({}, { kernel, window });
        let shown = 0;
        for (let i = 0; i < b.timestamp.length; i++) {
          feed(s, b, i);
          if (i % 97 !== 96) continue;
          const snap = s.snapshot();
          for (const n of [1, 3, 10]) {
            const t = s.segsegTail(n);
            const at = `${window} bar ${i}, ${n}`;
            const got = t.segmentsOfSegments.map((_, j) => tailSegmentOfSegments(t, j));
            const wanted = snap.segmentsOfSegments.slice(-n);
            // With a window, those over segments no longer kept, or whose first pen starts at the first
            // kept merged bar (the one before it, which the check reads, is gone), are left out.
            const r = s.retained;
            const startOk = tailStarts(snap, r).segment;
            expect(got, at).toEqual(window === undefined ? wanted : wanted.filter((ss) => startOk(ss.startSegment)));
            expect([t.segsegTotal, t.barCount], at).toEqual([(snap.segmentsOfSegments.at(-1)?.index ?? -1) + 1, i + 1]);
            // Its segments: from the first one's first segment on; none when it shows none. Its pens:
            // from its first segment's start, or the last pen when it shows no segment.
            expect(t.firstSegment, at).toBe(got[0]?.startSegment ?? t.segmentTotal);
            const lastPen = r.firstPen + Math.max(0, snap.penColumns.count - 1);
            expect(t.first, at).toBe(t.segments.length > 0 ? tailSegment(t, 0).startPen : lastPen);
            const part = { ...t.part, segments: t.segments, segmentsOfSegments: t.segmentsOfSegments };
            expect(checkSegsegTail(part, t.bars), at).toBeNull();
            shown += got.length;
          }
        }
        expect(shown).toBeGreaterThan(4000);
      }
    }, 60_000);

    it("macdTail(n) with the SMA seed: the first defined value counted from the tail's first bar, as the snapshot has it", () => {
      const b = fixtureBars(REAL_SERIES[0]);
      const s = new StreamingAnalyzer({ macd: { seed: 'sma' } }, { kernel });
      for (let i = 0; i < 80; i++) {
        s.append(bar(b, i));
        const snap = s.snapshot();
        for (const n of [5, 30, 100]) {
          const t = s.macdTail(n),
            from = snap.barCount - t.timestamp.length;
          expect(t.macd.firstValid, `bar ${i}, ${n}`).toBe(Math.max(0, snap.macd.firstValid - from));
          expect([t.macd.dif, t.macd.dea, t.macd.histogram]).toEqual([
            snap.macd.dif.slice(from),
            snap.macd.dea.slice(from),
            snap.macd.histogram.slice(from),
          ]);
        }
      }
      expect(s.snapshot().macd.firstValid).toBe(33);
    });

    it('structureTail with the structures off: none to show, and the tail reads no history (it read every pen)', () => {
      const b = fixtureBars(REAL_SERIES[0]);
      const off = new StreamingAnalyzer({ structures: { enabled: false } }, { kernel });
      for (let i = 0; i < 300; i++) off.append(bar(b, i));
      expect(off.snapshot().pens.length).toBeGreaterThan(10);
      for (const level of ['pen', 'segment'] as const) {
        const t = off.structureTail(5, level);
        expect([t.pivots.length, t.points.length, t.pivotTotal, t.pointTotal]).toEqual([0, 0, 0, 0]);
        expect(t.part.penColumns.count, level).toBeLessThanOrEqual(1);
      }
    });

    it('a tail of a negative or fractional length, or of an unknown level, is refused, naming it (penTail(-1) gave a part starting past the last pen)', () => {
      const s = new StreamingAnalyzer({}, { kernel });
      const b = fixtureBars(REAL_SERIES[0]);
      for (let i = 0; i < 300; i++) s.append(bar(b, i));
      for (const n of [-1, 2.5, NaN]) {
        for (const read of [() => s.penTail(n), () => s.segmentTail(n), () => s.macdTail(n)]) {
          const e = thrown(read, InputError);
          expect([e.field, e.message]).toEqual(['n', `a tail's length must be a whole number of at least 0 (or Infinity), got ${n}`]);
        }
      }
      expect(s.penTail(Infinity).first).toBe(0);
      // A level other than the two (from untyped code) was a TypeError from inside the analyzer.
      const e = thrown(() => s.structureTail(3, 'segments' as 'segment'), InputError);
      expect([e.field, e.message]).toEqual(['level', `a structure tail's level must be 'pen' or 'segment', got 'segments'`]);
      expect(s.macdTail(0).timestamp.length).toBe(0);
    });

    for (const name of REAL_SERIES) {
      for (const definition of ['new_3kline', 'traditional'] as const) {
        it(`${name}, ${definition}: every prefix of the first 2000 bars, then every 500th, and the whole series`, () => {
          const b = fixtureBars(name);
          const n = b.timestamp.length;
          const o = { pen: { definition } };
          const s = new StreamingAnalyzer(o, { kernel });
          const model = new EventModel();
          for (let i = 0; i < n; i++) {
            model.apply(s.append(bar(b, i)).events);
            if (i < 2000 || i % 500 === 0) {
              expect(fingerprint(s.snapshot()), `prefix ${i + 1}`).toBe(batchFp(b, i + 1, o));
            }
          }
          const snap = s.snapshot();
          expect(snap).toEqual(analyze(b, o));
          // The events alone rebuild exactly the final pens and segments.
          expect(model.sorted(model.pens)).toEqual(snap.pens);
          expect(model.sorted(model.segments)).toEqual(snap.segments);
        }, 60_000);
      }
    }

    it(
      `random series x every option combination (${RUNS} runs): every prefix, events rebuild the result`,
      () => {
        fc.assert(
          fc.property(anySeries, penOptions, macdOptions, structureOptions, (b, pen, macd, structures) => {
            const o = { pen, macd, structures };
            const s = new StreamingAnalyzer(o, { kernel });
            const model = new EventModel();
            for (let i = 0; i < b.timestamp.length; i++) {
              model.apply(s.append(bar(b, i)).events);
              const snap = s.snapshot();
              expect(fingerprint(snap)).toBe(batchFp(b, i + 1, o));
              expect(model.sorted(model.pens)).toEqual(snap.pens);
              expect(model.sorted(model.segments)).toEqual(snap.segments);
            }
            expect(s.snapshot()).toEqual(analyze(b, o));
          }),
          { numRuns: RUNS },
        );
      },
      PROPERTY_TIMEOUT,
    );
  });

  describe(`${kernel.engine} engine: replaceLast (the forming bar updates before it closes)`, () => {
    it(
      `random forming-bar sequences equal batch on the bars as they stand (${RUNS} runs)`,
      () => {
        // Each bar arrives as 1-4 versions: its open, then wider ranges, then the real bar.
        const variants = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 3,
        });
        fc.assert(
          fc.property(anySeries, penOptions, fc.array(variants, { minLength: 400, maxLength: 400 }), (b, pen, forming) => {
            const o = { pen };
            const s = new StreamingAnalyzer(o, { kernel });
            const model = new EventModel();
            const cur = sliceBars(b, 0, b.timestamp.length);
            const copy: Bars = {
              timestamp: cur.timestamp.slice(),
              open: cur.open.slice(),
              high: cur.high.slice(),
              low: cur.low.slice(),
              close: cur.close.slice(),
              volume: cur.volume.slice(),
            };
            for (let i = 0; i < b.timestamp.length; i++) {
              const real = bar(b, i);
              const versions: StreamBar[] = forming[i % forming.length]!.map(([u, d]) => {
                // A partial bar inside the real one's range.
                const lo = real.low + (real.high - real.low) * d * 0.5,
                  hi = real.high - (real.high - real.low) * u * 0.5;
                const low = Math.min(lo, hi, real.open),
                  high = Math.max(lo, hi, real.open);
                return { ...real, high, low, close: (high + low) / 2, volume: real.volume / 2 };
              });
              versions.push(real);
              versions.forEach((v, k) => {
                model.apply((k === 0 ? s.append(v) : s.replaceLast(v)).events);
                for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) copy[f][i] = v[f];
                expect(fingerprint(s.snapshot())).toBe(batchFp(copy, i + 1, o));
              });
            }
            const snap = s.snapshot();
            expect(snap).toEqual(analyze(b, o));
            expect(model.sorted(model.pens)).toEqual(snap.pens);
            expect(model.sorted(model.segments)).toEqual(snap.segments);
          }),
          { numRuns: Math.max(20, RUNS / 5) },
        );
      },
      PROPERTY_TIMEOUT,
    );

    it('on the real SSE series: every bar first as its open only, then replaced by the real bar', () => {
      const b = fixtureBars(REAL_SERIES[0]);
      const s = new StreamingAnalyzer({}, { kernel });
      for (let i = 0; i < b.timestamp.length; i++) {
        const real = bar(b, i);
        s.append({ ...real, high: real.open, low: real.open, close: real.open });
        s.replaceLast(real);
      }
      expect(s.snapshot()).toEqual(analyze(b));
    });
  });
}

describe('WASM streaming equals TS streaming, update for update', () => {
  it(
    `random series x options (${RUNS} runs), appends and replacements (forming bars, corrected spikes)`,
    () => {
      const [ts, wasm] = KERNELS;
      // 0: the real bar; 1: its open first; 2 / 3: first a spike up / down that a correction removes
      // (a spike can confirm pens the real bar does not, so the restore must undo what it finalised).
      const firstVersion = (real: StreamBar, kind: number): StreamBar | null =>
        kind === 1
          ? { ...real, high: real.open, low: real.open, close: real.open }
          : kind === 2
            ? { ...real, high: real.high + 25, close: real.high + 25 }
            : kind === 3
              ? { ...real, low: real.low / 2, close: real.low / 2 }
              : null;
      fc.assert(
        fc.property(
          anySeries,
          penOptions,
          macdOptions,
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 50, maxLength: 50 }),
          (b, pen, macd, kinds) => {
            const o = { pen, macd };
            const a = new StreamingAnalyzer(o, { kernel: ts }),
              w = new StreamingAnalyzer(o, { kernel: wasm });
            for (let i = 0; i < b.timestamp.length; i++) {
              const real = bar(b, i);
              const first = firstVersion(real, kinds[i % 50]!);
              if (first !== null) {
                expect(w.append(first)).toEqual(a.append(first));
                expect(w.replaceLast(real)).toEqual(a.replaceLast(real));
              } else expect(w.append(real)).toEqual(a.append(real));
            }
            expect(w.snapshot()).toEqual(a.snapshot());
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it('a corrected spike that finalised a pen: what the segment search stored over that pen is dropped', () => {
    // SPY hourly, bars 0-113. A spike at bar 68 (high +0.5 %) confirms pen 3 (62->66), so pen 2
    // (42->62) becomes final and the WASM segment stage may store searches that read it. The real
    // bar makes pen 3 provisional again; pen 2 then extends to bar 83. A stored search still holding
    // pen 2's old end would report segment 0 changed at bar 113 (found by a mutation that kept them).
    const b = fixtureBars('spy_1h_19980102_20210331');
    const [ts, wasm] = KERNELS;
    const a = new StreamingAnalyzer({}, { kernel: ts }),
      w = new StreamingAnalyzer({}, { kernel: wasm });
    const pens = (u: { events: readonly StreamEvent[] }) =>
      u.events.flatMap((e) => ('pen' in e ? [`${e.type} ${e.pen.startRaw}->${e.pen.endRaw}`] : []));
    for (let i = 0; i < 114; i++) {
      const real = bar(b, i);
      if (i === 68) {
        const spike = { ...real, high: real.high * 1.005, close: real.high * 1.005 };
        const u = a.append(spike);
        expect(pens(u)).toEqual(['pen_confirmed 62->66']);
        expect(w.append(spike)).toEqual(u);
        const r = a.replaceLast(real);
        expect(pens(r)).toEqual(['pen_provisional 62->66']);
        expect(w.replaceLast(real)).toEqual(r);
      } else expect(w.append(real)).toEqual(a.append(real));
    }
    const s = a.snapshot();
    expect(s.pens.map((p) => `${p.startRaw}->${p.endRaw}`)).toEqual(['1->9', '9->42', '42->83', '83->109', '109->113']);
    expect(s.segments.map((g) => `${g.startPen}-${g.endPen}`)).toEqual(['0-1', '2-4']);
    expect(fingerprint(w.snapshot())).toBe(batchFp(b, 114, {}));
    expect(fingerprint(s)).toBe(batchFp(b, 114, {}));
  });
});

describe('events, hand-worked', () => {
  // No inclusions, so merged bar k = raw bar k: up to a top at bar 4, down to a bottom at bar 8, up again.
  const b = hl([
    [10, 9],
    [11, 10],
    [12, 11],
    [13, 12],
    [14, 13],
    [13, 12],
    [12, 11],
    [11, 10],
    [10, 9],
    [11, 10],
    [12, 11],
    [13, 12],
    [14, 13],
    [15, 14],
  ]);
  it('a provisional pen appears, is confirmed when the next fractal forms, and the next one starts', () => {
    const s = new StreamingAnalyzer();
    const log: string[] = [];
    for (let i = 0; i < 14; i++) {
      for (const e of s.append(bar(b, i)).events) {
        log.push(
          `${i}:${e.type}:${'pen' in e ? `${e.pen.index} ${e.pen.startRaw}->${e.pen.endRaw}` : 'segment' in e ? e.segment.index : 'index' in e ? e.index : ''}`,
        );
      }
    }
    // The top at bar 4 is known when bar 5 opens, the bottom at bar 8 when bar 9 opens: bars 5, 6, 7
    // lie between them (3 >= min_klines_between_turns) and the strict fractal check holds, so pen 0
    // is confirmed at bar 9. A provisional pen up from the bottom needs 3 bars between too: first at
    // bar 12 (bars 9, 10, 11 between); bar 13 moves its end.
    expect(log).toEqual(['9:pen_confirmed:0 4->8', '12:pen_provisional:1 8->12', '13:pen_provisional:1 8->13']);
    expect(s.snapshot().pens.map((p) => [p.index, p.startRaw, p.endRaw, p.confirmed])).toEqual([
      [0, 4, 8, true],
      [1, 8, 13, false],
    ]);
  });

  it('the confirmed pen reaches a lower bottom: provisional, then extended; a replaced bar takes it back (both engines)', () => {
    // Bars 0-9 as above: pen 0 (top 4 -> bottom 8) is confirmed at bar 9. Bar 10 (low 8.5) is lower
    // than bar 8 (low 9), so pen 0 is shown provisionally to bar 10; bar 11 rises, bar 10 becomes a
    // bottom fractal and pen 0 is confirmed again, extended to it. Bars 9-11 include no other:
    // [11,10], [10,8.5], [11,9.5] (the top at bar 9 is only one bar after the bottom: no pen).
    const d = hl([
      [10, 9],
      [11, 10],
      [12, 11],
      [13, 12],
      [14, 13],
      [13, 12],
      [12, 11],
      [11, 10],
      [10, 9],
      [11, 10],
      [10, 8.5],
      [11, 9.5],
    ]);
    const fmt = (i: number, events: readonly StreamEvent[]) =>
      events.map((e) => `${i}:${e.type}:${'pen' in e ? `${e.pen.index} ${e.pen.startRaw}->${e.pen.endRaw}` : ''}`);
    for (const kernel of KERNELS) {
      const s = new StreamingAnalyzer({}, { kernel });
      const log: string[] = [];
      for (let i = 0; i < 12; i++) log.push(...fmt(i, s.append(bar(d, i)).events));
      expect(log, kernel.engine).toEqual(['9:pen_confirmed:0 4->8', '10:pen_provisional:0 4->10', '11:pen_extended:0 4->10']);
      expect(s.snapshot().pens.map((p) => [p.startRaw, p.endRaw, p.confirmed])).toEqual([[4, 10, true]]);
      // Bar 10 forming low at 8.5, then replaced by a bar that does not go below bar 8: pen 0 is
      // confirmed again at its old end (not an extension).
      const r = new StreamingAnalyzer({}, { kernel });
      for (let i = 0; i < 11; i++) r.append(bar(d, i));
      expect(fmt(10, r.replaceLast({ ...bar(d, 10), high: 12, low: 10.5, open: 11, close: 11 }).events), kernel.engine).toEqual([
        '10:pen_confirmed:0 4->8',
      ]);
    }
  });

  it('a bad bar is refused with its index and field, and nothing changes', () => {
    const s = new StreamingAnalyzer();
    for (let i = 0; i < 10; i++) s.append(bar(b, i));
    const before = fingerprint(s.snapshot());
    const e1 = (() => {
      try {
        s.append({ ...bar(b, 10), high: NaN });
      } catch (e) {
        return e as BarValidationError;
      }
    })();
    expect(e1).toBeInstanceOf(BarValidationError);
    expect(e1!.message).toBe('bar 10: high is not a finite number (NaN)');
    const e2 = (() => {
      try {
        s.append({ ...bar(b, 10), timestamp: b.timestamp[9]! });
      } catch (e) {
        return e as BarValidationError;
      }
    })();
    expect(e2!.message).toBe(`bar 10: timestamp duplicates the previous timestamp ${b.timestamp[9]}`);
    const e3 = (() => {
      try {
        s.replaceLast({ ...bar(b, 9), volume: -1 });
      } catch (e) {
        return e as BarValidationError;
      }
    })();
    expect(e3!.message).toBe('bar 9: volume is negative (-1)');
    // No bar at all, or one without a column (from JavaScript): a BarValidationError naming it (null was a TypeError).
    expect(thrown(() => s.append(null as unknown as StreamBar), BarValidationError).message).toBe(
      'bar 10: bar must be an object with timestamp, open, high, low, close, volume, got null',
    );
    expect(thrown(() => s.replaceLast([1, 2, 3] as unknown as StreamBar), BarValidationError).message).toBe(
      'bar 9: bar must be an object with timestamp, open, high, low, close, volume, got an array',
    );
    const { volume: _, ...noVolume } = bar(b, 10);
    expect(thrown(() => s.append(noVolume as StreamBar), BarValidationError).message).toBe('bar 10: volume is missing');
    // A numeric string was compared as text: accepted when that order happened to agree ("11" > "10"), and coerced.
    for (const f of ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const) {
      expect(thrown(() => s.append({ ...bar(b, 10), [f]: String(b[f][10]) } as unknown as StreamBar), BarValidationError).message).toBe(
        `bar 10: ${f} is a string ("${b[f][10]}"), not a number`,
      );
    }
    expect(fingerprint(s.snapshot())).toBe(before);
    expect(s.barCount).toBe(10);
  });

  it('an unknown stream setting is a ConfigError naming it (a misspelt window was ignored: no window)', () => {
    expect(() => new StreamingAnalyzer({}, { windw: 1000 } as never)).toThrow(
      'config stream.windw: is not a known setting (window, kernel)',
    );
    expect(() => new StreamingAnalyzer({}, null as never)).toThrow('config stream: must be an object of settings, got null');
  });
});

/**
 * Whether a tail can start at global pen (segment) g, as the snapshot shows the kept data: it is
 * kept, and the pen (the segment's first pen) does not start at the first kept merged bar (the
 * check reads the merged bar before).
 */
function tailStarts(snap: AnalysisResult, r: Retained) {
  const pen = (g: number) => g >= r.firstPen && (snap.pens[g - r.firstPen]?.startMerged ?? -1) > r.firstMerged;
  const segment = (g: number) => g >= r.firstSegment && pen(snap.segments[g - r.firstSegment]?.startPen ?? -1);
  return { pen, segment };
}

/**
 * The first line (global index) a structure tail of `level` can start from: at the pen level the
 * start pen of a segment, or a pen after the last segment, that a tail can start at (tailStarts);
 * at the segment level the first segment of a segment of segments, or a segment after the last
 * one, that a tail can start at. 0 without a window.
 */
function firstTailLine(snap: AnalysisResult, r: Retained, level: 'pen' | 'segment'): number {
  const starts = tailStarts(snap, r);
  const [ok, firsts, lastEnd, total] =
    level === 'pen'
      ? [starts.pen, snap.segments.map((x) => x.startPen), snap.segments.at(-1)?.endPen ?? -1, r.firstPen + snap.penColumns.count]
      : [
          starts.segment,
          snap.segmentsOfSegments.map((x) => x.startSegment),
          snap.segmentsOfSegments.at(-1)?.endSegment ?? -1,
          r.firstSegment + snap.segments.length,
        ];
  let first = firsts.find(ok) ?? Infinity;
  for (let g = lastEnd + 1; g < Math.min(first, total); g++)
    if (ok(g)) {
      first = g;
      break;
    }
  return first;
}
