// What the service keeps in memory, in bytes: rough but on the safe side, for the budgets of the
// analysis cache and the live stream analyzers (service.cache_max_mb, service.streams_max_mb).
import type { AnalysisResult, Bars } from '../core/types.js';

/** An object of the result (pen, segment, pivot, point): its fields and the boxed numbers it holds. */
const OBJECT_BYTES = 200;

export function barsBytes(b: Bars): number {
  return b.timestamp.byteLength * 6;
}

export function resultBytes(r: AnalysisResult): number {
  const m = r.merged,
    f = r.fractals,
    macd = r.macd;
  const columns =
    m.high.byteLength +
    m.low.byteLength +
    m.dir.byteLength +
    m.rawStart.byteLength +
    m.rawEnd.byteLength +
    f.type.byteLength +
    f.mergedIndex.byteLength +
    f.rawIndex.byteLength +
    f.price.byteLength +
    // The pens' columns, 50 bytes a pen, and their objects below (counted though they are made
    // only when read: a reply that reads every pen makes them).
    r.penColumns.count * 50 +
    // DIF, DEA and the histogram (made when first read, as a GetMACD does: not read here).
    macd.dif.byteLength * 3;
  const objects =
    r.penColumns.count +
    r.segments.length +
    r.segmentsOfSegments.length +
    r.pivots.pen.length +
    r.pivots.segment.length +
    r.buySellPoints.pen.length +
    r.buySellPoints.segment.length;
  return columns + objects * OBJECT_BYTES;
}

/** A live analyzer's bytes for a series of `bars` bars before it exists (its bar columns, kernel and structures). */
export const STREAM_BYTES_PER_BAR = 400;
