// How results become the service's messages: pens, segments, pivots, points, and the updates of
// StreamAnalysis (its initial state and each live update).
import type { Level } from '../core/structure-options.js';
import { penAt } from '../core/result.js';
import type { BuySellPoint, Pen, Pivot, Segment, SegmentOfSegments } from '../core/types.js';
import type { StreamEvent } from '../core/events.js';
import type { StreamingAnalyzer } from '../streaming/analyzer.js';
import type { LiveUpdate } from './live-streams.js';
import type * as M from './messages.js';

/** The last n of xs (all when n is 0 or absent). */
export const lastN = <T>(xs: readonly T[], n: number | undefined): readonly T[] => (n ? xs.slice(Math.max(0, xs.length - n)) : xs);

/** The indices of the last n of `count` items (all of them without n). */
export function lastIndices(count: number, n: number | undefined): number[] {
  const from = n ? Math.max(0, count - n) : 0;
  return Array.from({ length: count - from }, (_, k) => from + k);
}

const direction = (d: 'up' | 'down') => (d === 'up' ? 'DIRECTION_UP' : 'DIRECTION_DOWN');

export function penMessage(p: Pen | Segment): M.PenMessage {
  return {
    index: p.index,
    direction: direction(p.direction),
    startTime: p.startTime,
    endTime: p.endTime,
    startPrice: p.startPrice,
    endPrice: p.endPrice,
    startBar: p.startRaw,
    endBar: p.endRaw,
    confirmed: p.confirmed,
  };
}

export function segmentMessage(s: Segment): M.SegmentMessage {
  return { ...penMessage(s), startPen: s.startPen, endPen: s.endPen, endCase: s.endCase ?? 0 };
}

/** A segment of segments as a Segment message: its "pens" are segments. */
export function segmentOfSegmentsAsSegment(s: SegmentOfSegments): Segment {
  return { ...s, startPen: s.startSegment, endPen: s.endSegment, endCase: null };
}

export function pivotMessage(z: Pivot): M.PivotMessage {
  return {
    index: z.index,
    startLine: z.startLine,
    endLine: z.endLine,
    startBar: z.startRaw,
    endBar: z.endRaw,
    startTime: z.startTime,
    endTime: z.endTime,
    low: z.low,
    high: z.high,
    mid: z.mid,
    peakLow: z.peakLow,
    peakHigh: z.peakHigh,
    confirmed: z.confirmed,
    enteringLine: z.enteringLine,
    ...(z.leavingLine !== null && { leavingLine: z.leavingLine }),
  };
}

export function pointMessage(p: BuySellPoint): M.BuySellPointMessage {
  return {
    line: p.line,
    bar: p.rawIndex,
    time: p.time,
    price: p.price,
    side: p.side === 'buy' ? 'SIDE_BUY' : 'SIDE_SELL',
    types: [...p.types],
    confirmed: p.confirmed,
    ...(p.divergenceRate !== null && { divergenceRate: p.divergenceRate }),
    ...(p.relatedLine !== null && { relatedLine: p.relatedLine }),
  };
}

const levelMessage = (l: Level) => (l === 'pen' ? 'LEVEL_PEN' : 'LEVEL_SEGMENT');

function eventMessage(e: StreamEvent): M.AnalysisEventMessage {
  const type = `EVENT_TYPE_${e.type.toUpperCase()}`;
  if ('pen' in e) return { type, index: e.pen.index, pen: penMessage(e.pen) };
  if ('segment' in e) return { type, index: e.segment.index, segment: segmentMessage(e.segment) };
  if ('pivot' in e) return { type, index: e.pivot.index, level: levelMessage(e.level), pivot: pivotMessage(e.pivot) };
  if ('point' in e) return { type, index: e.point.line, level: levelMessage(e.level), point: pointMessage(e.point) };
  if (e.type === 'point_withdrawn') return { type, index: e.line, level: levelMessage(e.level), reason: e.reason };
  if (e.type === 'pivot_removed') return { type, index: e.index, level: levelMessage(e.level) };
  return { type, index: e.index };
}

/** The analyzer's current state as one message (`initial`): the first of a stream, or a resync. */
export function stateMessage(analyzer: StreamingAnalyzer, lastNPens: number | undefined): M.AnalysisUpdate {
  const snap = analyzer.snapshot();
  const last = analyzer.lastBar()!;
  const k = snap.macd.dif.length - 1;
  return {
    initial: true,
    barIndex: snap.barCount - 1,
    timestamp: last.timestamp,
    replaced: false,
    macd: { timestamp: last.timestamp, dif: snap.macd.dif[k]!, dea: snap.macd.dea[k]!, histogram: snap.macd.histogram[k]! },
    events: [
      ...lastIndices(snap.penColumns.count, lastNPens).map((i) => {
        const p = penAt(snap.penColumns, i, analyzer.retained.firstPen);
        return { type: p.confirmed ? 'EVENT_TYPE_PEN_CONFIRMED' : 'EVENT_TYPE_PEN_PROVISIONAL', index: p.index, pen: penMessage(p) };
      }),
      ...lastN(snap.segments, lastNPens).map((s) => ({
        type: s.confirmed ? 'EVENT_TYPE_SEGMENT_CONFIRMED' : 'EVENT_TYPE_SEGMENT_PROVISIONAL',
        index: s.index,
        segment: segmentMessage(s),
      })),
      ...(['pen', 'segment'] as const).flatMap((l) => [
        ...lastN(snap.pivots[l], lastNPens).map((z) => ({
          type: 'EVENT_TYPE_PIVOT_FORMED',
          index: z.index,
          level: levelMessage(l),
          pivot: pivotMessage(z),
        })),
        ...lastN(snap.buySellPoints[l], lastNPens).map((p) => ({
          type: 'EVENT_TYPE_POINT_APPEARED',
          index: p.line,
          level: levelMessage(l),
          point: pointMessage(p),
        })),
      ]),
    ],
    barCount: snap.barCount,
  };
}

export function updateMessage(u: LiveUpdate): M.AnalysisUpdate {
  if ('resync' in u) return stateMessage(u.resync, 0);
  const { update } = u;
  return {
    initial: false,
    barIndex: update.barIndex,
    timestamp: u.timestamp,
    replaced: update.replaced,
    macd: { timestamp: u.timestamp, ...update.macd },
    events: update.events.map(eventMessage),
    barCount: u.barCount,
  };
}

/** Maps an error thrown while serving a call to its gRPC status. */
