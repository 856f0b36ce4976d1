// The pens as lines of the structure rules; twin of assembly/pen-lines.ts. Per pen: its start and end
// prices, low and high, start and end raw bars (apexes of its merged bars), confirmed flag, and its
// divergence metric, the MACD "peak" (docs/algorithms.md, "Levels and lines"); with its merged bars,
// the pen columns of the result.
import { apexOf, extremeOf, UP, type MergedColumns, type PenRecord } from '../../core/records.js';
import { emptyColumns, type PenLineColumns } from '../../core/structures/lines.js';
import type { MacdSeries } from '../../core/types.js';

/** The line columns of `pens` over the merged bars `m` and the MACD (`scale`: its histogram scale). */
export function penLineColumns(m: MergedColumns, pens: readonly PenRecord[], macd: MacdSeries, scale: number): PenLineColumns {
  const n = pens.length;
  // The columns as made (a spread copy would be read in the loop), the peaks beside them.
  const c = emptyColumns(n),
    startMerged = new Int32Array(n),
    endMerged = new Int32Array(n),
    peak = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = pens[i]!;
    const up = p.dir === UP;
    const begin = extremeOf(m, p.startK, !up),
      end = extremeOf(m, p.endK, up);
    c.dir[i] = p.dir;
    startMerged[i] = p.startK;
    endMerged[i] = p.endK;
    c.begin[i] = begin;
    c.end[i] = end;
    c.low[i] = up ? begin : end;
    c.high[i] = up ? end : begin;
    c.beginRaw[i] = apexOf(m, p.startK, !up);
    c.endRaw[i] = apexOf(m, p.endK, up);
    c.confirmed[i] = p.confirmed ? 1 : 0;
    peak[i] = macdPeak(macd.dif, macd.dea, scale, m.rawStart[p.startK]!, m.rawEnd[p.endK]!, up);
  }
  return { ...c, startMerged, endMerged, peak };
}

/**
 * histogramPeak (core/structures/lines.ts) of the raw bars from..to, each histogram value made here as
 * scale * (dif - dea): the result's histogram is made only when read (core/macd-series.ts).
 */
function macdPeak(dif: Float64Array, dea: Float64Array, scale: number, from: number, to: number, up: boolean): number {
  let peak = 1e-7;
  const sign = up ? 1 : -1;
  for (let r = from; r <= to; r++) {
    const h = sign * (scale * (dif[r]! - dea[r]!));
    if (h > peak) peak = h;
  }
  return peak;
}
