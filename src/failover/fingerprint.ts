// A 32-bit FNV-1a digest of everything an analysis returns (indices, flags and the exact bits of
// every float), to compare engines cheaply and to recognise the canary's known answer.
import type { AnalysisResult } from '../core/types.js';

class Fnv {
  h = 0x811c9dc5;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  int(v: number): void {
    this.h = Math.imul(this.h ^ (v | 0), 0x01000193) >>> 0;
  }
  float(v: number): void {
    this.f64[0] = v;
    this.int(this.u32[0]!);
    this.int(this.u32[1]!);
  }
  floats(a: Float64Array): void {
    for (let i = 0; i < a.length; i++) this.float(a[i]!);
  }
  ints(a: ArrayLike<number>): void {
    for (let i = 0; i < a.length; i++) this.int(a[i]!);
  }
}

const TYPE_CODE = { '1': 1, '1p': 2, '2': 3, '2s': 4, '3a': 5, '3b': 6 } as const;

export function fingerprint(r: AnalysisResult): string {
  const h = new Fnv();
  const m = r.merged;
  h.int(r.barCount);
  h.int(m.count);
  h.floats(m.high);
  h.floats(m.low);
  h.ints(m.dir);
  h.ints(m.rawEnd);
  h.int(r.fractals.count);
  h.ints(r.fractals.mergedIndex);
  h.ints(r.fractals.rawIndex);
  const p = r.penColumns;
  for (let i = 0; i < p.count; i++) {
    h.int(p.direction[i] === 1 ? 1 : 2);
    h.ints([p.startMerged[i]!, p.endMerged[i]!, p.startRaw[i]!, p.endRaw[i]!, p.confirmed[i]!]);
  }
  for (const s of r.segments) {
    h.int(s.direction === 'up' ? 1 : 2);
    h.ints([s.startPen, s.endPen, s.confirmed ? 1 : 0, s.endCase ?? 0]);
  }
  for (const s of r.segmentsOfSegments) {
    h.int(s.direction === 'up' ? 1 : 2);
    h.ints([s.startSegment, s.endSegment, s.confirmed ? 1 : 0]);
  }
  for (const level of ['pen', 'segment'] as const) {
    for (const z of r.pivots[level]) {
      h.ints([z.startLine, z.endLine, z.startRaw, z.endRaw, z.confirmed ? 1 : 0, z.leavingLine ?? -1]);
      h.floats(Float64Array.of(z.low, z.high, z.mid, z.peakLow, z.peakHigh));
    }
    for (const p of r.buySellPoints[level]) {
      h.ints([p.line, p.rawIndex, p.side === 'buy' ? 1 : 2, p.relatedLine ?? -1, p.confirmed ? 1 : 0]);
      for (const t of p.types) h.int(TYPE_CODE[t]);
      h.float(p.divergenceRate ?? -0);
    }
  }
  h.int(r.macd.firstValid);
  h.floats(r.macd.dif);
  h.floats(r.macd.dea);
  h.floats(r.macd.histogram);
  return h.h.toString(16).padStart(8, '0');
}
