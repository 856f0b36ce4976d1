// chan.py's structure oracles (test/fixtures/*_structures*.json.gz, and the structure fields of the
// div09 prefix files) and the comparable shape of our results.
import type { PartialAnalysisOptions } from '../../src/core/options.js';
import type { AnalysisResult, BuySellPoint, Pivot } from '../../src/core/types.js';
import { fixtureText } from './helpers.js';

interface OracleLine {
  dir: string;
  start_raw: number;
  end_raw: number;
  start_price: number;
  end_price: number;
  is_sure: boolean;
}
interface OracleSegseg extends OracleLine {
  start_seg: number;
  end_seg: number;
}
type OraclePivot = Record<string, number | boolean | null> & {
  low: number;
  high: number;
  mid: number;
  peak_low: number;
  peak_high: number;
  is_sure: boolean;
  begin_raw: number;
  end_raw: number;
};
type OraclePoint = Record<string, unknown> & {
  raw_idx: number;
  ts: string;
  is_buy: boolean;
  types: string[];
  price: number;
  relate_bsp1: number | null;
  features: Record<string, number | null>;
};

/** The structure fields of an oracle file or prefix entry. */
export interface StructureEntry {
  segsegs: OracleSegseg[];
  pen_pivots: OraclePivot[];
  seg_pivots: OraclePivot[];
  pen_bsp: OraclePoint[];
  seg_bsp: OraclePoint[];
}

export interface StructureOracle extends StructureEntry {
  config: { divergence_rate: number | 'inf'; zs_combine: boolean };
  /** Our options equal to the oracle's configuration. */
  options: PartialAnalysisOptions;
}

/** Our options for chan.py's configuration (its code defaults, but for the divergence rate). */
export function optionsOf(config: { divergence_rate: number | 'inf' }): PartialAnalysisOptions {
  const divergenceRate = config.divergence_rate === 'inf' ? Infinity : config.divergence_rate;
  return { structures: { points: { pen: { divergenceRate }, segment: { divergenceRate } } } };
}

export function readStructureOracle(file: string): StructureOracle {
  const o = JSON.parse(fixtureText(file)) as StructureOracle;
  return { ...o, options: optionsOf(o.config) };
}

const segsegRow = (s: OracleSegseg) => [s.dir, s.start_seg, s.end_seg, s.start_raw, s.end_raw, s.start_price, s.end_price, s.is_sure];
const pivotRow = (z: OraclePivot, line: 'pen' | 'seg') => [
  z[`begin_${line}`],
  z[`end_${line}`],
  z.begin_raw,
  z.end_raw,
  z.low,
  z.high,
  z.mid,
  z.peak_low,
  z.peak_high,
  z.is_sure,
  z[`in_${line}`],
  z[`out_${line}`],
];
const pointRow = (p: OraclePoint, line: 'pen' | 'seg') => [
  p[line],
  p.raw_idx,
  Number(p.ts),
  p.is_buy ? 'buy' : 'sell',
  p.types,
  p.price,
  p[`${line}_is_sure`],
  p.types[0] === '1' || p.types[0] === '1p' ? (p.features.divergence_rate ?? null) : null,
  p.relate_bsp1,
];

export function oracleStructureRows(o: StructureEntry) {
  return {
    segmentsOfSegments: o.segsegs.map(segsegRow),
    penPivots: o.pen_pivots.map((z) => pivotRow(z, 'pen')),
    segmentPivots: o.seg_pivots.map((z) => pivotRow(z, 'seg')),
    penPoints: o.pen_bsp.map((p) => pointRow(p, 'pen')),
    segmentPoints: o.seg_bsp.map((p) => pointRow(p, 'seg')),
  };
}

const ourPivot = (z: Pivot) => [
  z.startLine,
  z.endLine,
  z.startRaw,
  z.endRaw,
  z.low,
  z.high,
  z.mid,
  z.peakLow,
  z.peakHigh,
  z.confirmed,
  z.enteringLine,
  z.leavingLine,
];
const ourPoint = (p: BuySellPoint) => [p.line, p.rawIndex, p.time, p.side, p.types, p.price, p.confirmed, p.divergenceRate, p.relatedLine];

export function structureRows(r: AnalysisResult) {
  return {
    segmentsOfSegments: r.segmentsOfSegments.map((s) => [
      s.direction,
      s.startSegment,
      s.endSegment,
      s.startRaw,
      s.endRaw,
      s.startPrice,
      s.endPrice,
      s.confirmed,
    ]),
    penPivots: r.pivots.pen.map(ourPivot),
    segmentPivots: r.pivots.segment.map(ourPivot),
    penPoints: r.buySellPoints.pen.map(ourPoint),
    segmentPoints: r.buySellPoints.segment.map(ourPoint),
  };
}
