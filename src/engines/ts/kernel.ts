// The TS engine's streaming kernel: the per-bar state machines (merged bars, fractals, pens with
// their provisional tail, MACD) and the resumable segment stage (contract: core/stream-kernel.ts).
import type { AnalysisOptions } from '../../core/options.js';
import { copyMerged, pasteMerged, type KernelMark, type StreamKernel, type StreamKernelFactory } from '../../core/stream-kernel.js';
import { MacdStream } from './macd.js';
import { MergedBarStore } from './merge.js';
import { PenBuilder } from './pens.js';
import type { SegPen } from './feature-sequence.js';
import { buildSegmentsFrom, segPenOf, SegmentState } from './segments.js';
import { StreamEvents, type EventSource } from './events.js';

/** The TS engine's kernel. */
export const tsStreamKernel: StreamKernelFactory = Object.assign(
  (options: AnalysisOptions): StreamKernel => {
    const m = new MergedBarStore();
    const pens = new PenBuilder(m, options.pen);
    const macd = new MacdStream(options.macd);
    // The segment view of the final pens (kept across bars); `at` holds the pens of the last push
    // from the last confirmed one on (tail) and the segments on them (finals 0..baseLen-1, then added).
    const segPens: SegPen[] = [];
    const segState = new SegmentState();
    const at: EventSource = { m, pens: pens.pens, tail: [], finals: segState.final, baseLen: 0, added: [] };
    let last: KernelMark | null = null;
    // Resumes the segment stage on the pens now: every pen before the last confirmed one is final,
    // and a segment becomes final once everything its detection read is.
    const runSegments = () => {
      const nFinal = Math.max(0, pens.pens.length - 1);
      segPens.length = Math.min(segPens.length, nFinal);
      for (let j = segPens.length; j < nFinal; j++) segPens.push(segPenOf(pens.pens[j]!, m));
      for (const r of at.tail) segPens.push(segPenOf(r, m));
      const list = buildSegmentsFrom(segPens, segState, nFinal);
      segPens.length = nFinal;
      at.baseLen = list.baseLen;
      at.added = list.extra;
    };
    const events = new StreamEvents(at);
    return {
      engine: 'ts',
      push(raw, high, low, close, replaced) {
        if (replaced) {
          const k = last!;
          events.rewind(k.pens.count, k.segs.count);
          m.restore(k.merged);
          pens.restore(k.pens);
          macd.restore(k.macd);
          segState.final.length = k.segs.count;
          segState.resumeBegin = k.segs.resumeBegin;
          segPens.length = Math.min(segPens.length, Math.max(0, pens.pens.length - 1));
        } else {
          last = {
            merged: m.mark(),
            pens: pens.mark(),
            macd: macd.mark(),
            segs: { count: segState.final.length, resumeBegin: segState.resumeBegin },
          };
        }
        const point = macd.push(close);
        if (m.push(raw, high, low) && m.count >= 3) pens.onClassified(m.count - 2);
        at.tail = pens.tail();
        events.step(replaced, runSegments);
        return point;
      },
      eventCount: () => events.events.count,
      eventRecords: () => events.events.data,
      eventOffset: () => 0,
      merged: () => m,
      penCount: () => pens.pens.length,
      pen: (j) => ({ ...pens.pens[j]! }),
      tail: () => at.tail.map((r) => ({ ...r })),
      segments: () => ({ from: at.baseLen, extra: at.added.map((r) => ({ ...r })) }),
      finalSegmentCount: () => segState.final.length,
      finalSegment: (j) => segState.final[j]!,
      lastMark: () => last,
      // Merged columns (8 + 8 + 1 + 1 + 4 x 5 bytes per capacity slot) and pen records (~48 bytes).
      get memoryBytes() {
        return m.high.length * 38 + (pens.pens.length + segState.final.length) * 48;
      },
      dropBefore(dm, dp, ds) {
        const fractals = m.fractalCount;
        m.dropBefore(dm);
        if (last !== null) {
          const k = last;
          last = {
            merged: { ...k.merged, count: k.merged.count - dm, fractalCount: k.merged.fractalCount - (fractals - m.fractalCount) },
            pens: { ...k.pens, count: k.pens.count - dp, lastEndK: k.pens.lastEndK - dm, lastEnd: k.pens.lastEnd - dm },
            macd: k.macd,
            segs: { count: k.segs.count - ds, resumeBegin: k.segs.resumeBegin - dp },
          };
        }
        pens.dropBefore(dm, dp);
        segPens.splice(0, dp);
        const fin = segState.final;
        fin.splice(0, ds);
        for (const r of fin) {
          r.startPen -= dp;
          r.endPen -= dp;
        }
        segState.resumeBegin -= dp;
        for (const r of at.tail) {
          r.startK -= dm;
          r.endK -= dm;
        }
        at.baseLen = Math.max(0, at.baseLen - ds);
        for (const r of at.added) {
          r.startPen -= dp;
          r.endPen -= dp;
        }
        events.drop(dm, dp, ds);
      },
      save() {
        const p = pens.save();
        return {
          merged: copyMerged(m),
          fractals: m.fractalIndex.slice(0, m.fractalCount),
          pens: p.pens,
          free: p.free,
          lastEnd: p.lastEnd,
          macd: macd.save(),
          segments: segState.final.map((r) => ({ ...r })),
          resumeBegin: segState.resumeBegin,
          mark: last,
        };
      },
      load(s, bases) {
        const c = s.merged.count;
        m.reserve(c);
        m.count = c;
        pasteMerged(m, s.merged);
        m.fractalIndex.set(s.fractals);
        m.fractalCount = s.fractals.length;
        pens.load({ pens: s.pens, free: s.free, lastEnd: s.lastEnd });
        macd.load(s.macd);
        segPens.length = 0; // rebuilt from the pens at the next segments() call
        segState.final.length = 0;
        for (const r of s.segments) segState.final.push({ ...r });
        segState.resumeBegin = s.resumeBegin;
        last = s.mark;
        at.tail = pens.tail();
        events.load(bases.merged, bases.pens, bases.segments, runSegments);
      },
    };
  },
  { engine: 'ts' as const },
);
