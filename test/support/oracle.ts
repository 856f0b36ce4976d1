// chan.py oracle files (test/fixtures/*.chanpy_*.json.gz) and the comparable shape of our results.
import type { AnalysisResult } from '../../src/core/types.js';
import { fixtureText } from './helpers.js';

export interface OraclePen {
  dir: string;
  start_raw: number;
  end_raw: number;
  start_price: number;
  end_price: number;
  is_sure: boolean;
  start_merged: number;
  end_merged: number;
}

export interface OracleSeg {
  dir: string;
  start_raw: number;
  end_raw: number;
  start_price: number;
  end_price: number;
  is_sure: boolean;
  start_pen: number;
  end_pen: number;
}

/** chan.py's output on bars[0:n] (one prefix entry; the full-series files have the same fields). */
export interface OracleEntry {
  n: number;
  merged_count: number;
  pens: OraclePen[];
  segments: OracleSeg[];
}

export interface PrefixOracle {
  raw_bar_count: number;
  prefixes: number[];
  entries: OracleEntry[];
}

export function readPrefixOracle(name: string): PrefixOracle {
  return JSON.parse(fixtureText(name)) as PrefixOracle;
}

/** Every field of every pen, as compared with chan.py. */
export const penRows = (r: AnalysisResult) =>
  r.pens.map((p) => [p.direction, p.startMerged, p.endMerged, p.startRaw, p.endRaw, p.startPrice, p.endPrice, p.confirmed]);
export const oraclePenRows = (o: OracleEntry) =>
  o.pens.map((p) => [p.dir, p.start_merged, p.end_merged, p.start_raw, p.end_raw, p.start_price, p.end_price, p.is_sure]);

/** Every field of every segment, as compared with chan.py. */
export const segmentRows = (r: AnalysisResult) =>
  r.segments.map((s) => [s.direction, s.startPen, s.endPen, s.startRaw, s.endRaw, s.startPrice, s.endPrice, s.confirmed]);
export const oracleSegmentRows = (o: OracleEntry) =>
  o.segments.map((s) => [s.dir, s.start_pen, s.end_pen, s.start_raw, s.end_raw, s.start_price, s.end_price, s.is_sure]);
