// Cheap structural validation of an engine's output (always on): catches corrupted or truncated
// results before they reach a caller. O(merged bars + pens + segments), no recomputation.
import type { AnalysisResult } from '../core/types.js';

/** Returns a description of the first problem found, or null when the output is well-formed. */
export function checkOutput(r: AnalysisResult, barCount: number): string | null {
  if (r.barCount !== barCount) return `barCount ${r.barCount} != ${barCount} bars`;
  const m = r.merged;
  if (!(m.count >= 1 && m.count <= barCount)) return `merged count ${m.count} out of range`;
  for (const k of ['high', 'low', 'dir', 'rawStart', 'rawEnd'] as const) {
    if (m[k].length !== m.count) return `merged.${k} has ${m[k].length} values for ${m.count} bars`;
  }
  if (m.rawStart[0] !== 0 || m.rawEnd[m.count - 1] !== barCount - 1) return 'merged bars do not cover the raw bars';
  for (let k = 0; k < m.count; k++) {
    const h = m.high[k]!,
      l = m.low[k]!;
    if (!Number.isFinite(h) || !Number.isFinite(l) || h < l) return `merged bar ${k} has high ${h}, low ${l}`;
    if (m.rawEnd[k]! < m.rawStart[k]! || (k > 0 && m.rawStart[k] !== m.rawEnd[k - 1]! + 1)) return `merged bar ${k} raw range is broken`;
  }
  const f = r.fractals;
  for (let j = 0; j < f.count; j++) {
    const k = f.mergedIndex[j]!;
    if (!(k > 0 && k < m.count - 1) || (j > 0 && k <= f.mergedIndex[j - 1]!)) return `fractal ${j} has merged index ${k}`;
  }
  const pens = r.pens;
  for (let i = 0; i < pens.length; i++) {
    const p = pens[i]!;
    if (!(p.startMerged >= 0 && p.endMerged < m.count && p.startMerged < p.endMerged))
      return `pen ${i} merged range ${p.startMerged}..${p.endMerged}`;
    if (!(p.startRaw >= 0 && p.endRaw < barCount && p.startRaw < p.endRaw)) return `pen ${i} raw range ${p.startRaw}..${p.endRaw}`;
    if (!Number.isFinite(p.startPrice) || !Number.isFinite(p.endPrice)) return `pen ${i} has a non-finite price`;
    if (p.direction === 'up' ? p.endPrice <= p.startPrice : p.endPrice >= p.startPrice) return `pen ${i} prices contradict its direction`;
    if (i > 0) {
      const q = pens[i - 1]!;
      if (q.direction === p.direction) return `pens ${i - 1} and ${i} do not alternate`;
      if (q.endMerged !== p.startMerged) return `pen ${i} does not start where pen ${i - 1} ends`;
      if (!q.confirmed) return `provisional pen ${i - 1} is not the last`;
    }
  }
  let next = 0;
  for (let i = 0; i < r.segments.length; i++) {
    const s = r.segments[i]!;
    if (s.startPen !== next || s.endPen < s.startPen || s.endPen >= pens.length) return `segment ${i} pens ${s.startPen}..${s.endPen}`;
    next = s.endPen + 1;
  }
  const d = r.macd;
  if (d.dif.length !== barCount || d.dea.length !== barCount || d.histogram.length !== barCount) return 'MACD length mismatch';
  for (let i = d.firstValid; i < barCount; i++) {
    if (!Number.isFinite(d.dif[i]!) || !Number.isFinite(d.dea[i]!) || !Number.isFinite(d.histogram[i]!))
      return `MACD value at bar ${i} is not finite`;
  }
  return null;
}
