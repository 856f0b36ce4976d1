// The structures as columns: what an engine hands over (the WASM stage writes them; the TS engine's
// records are turned into them), and what the result's pivot and point objects are shaped from.
import { POINT_TYPES } from '../structure-options.js';
import type { BuySellPointType } from '../types.js';
import type { PivotRecord } from './pivots.js';
import type { PointRecord } from './points.js';

export interface PivotColumns {
  readonly count: number;
  readonly begin: Int32Array;
  readonly end: Int32Array;
  readonly beginRaw: Int32Array;
  readonly endRaw: Int32Array;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly mid: Float64Array;
  readonly peakLow: Float64Array;
  readonly peakHigh: Float64Array;
  readonly confirmed: Int8Array;
}

export interface PointColumns {
  readonly count: number;
  readonly line: Int32Array;
  /** The types in the order they were added, 3 bits each from the low bits (code: POINT_TYPES index + 1). */
  readonly types: Int32Array;
  /** The related line, -1 for none. */
  readonly relate: Int32Array;
  /** The divergence rate where hasRate is 1. */
  readonly rate: Float64Array;
  readonly hasRate: Int8Array;
}

export interface LevelColumns {
  readonly pivots: PivotColumns;
  readonly points: PointColumns;
}

export interface StructureColumns {
  readonly pen: LevelColumns;
  readonly segment: LevelColumns;
}

/** Types packed as PointColumns holds them (at most ten fit, as in the WASM stage, which aborts past them). */
export function packTypes(types: readonly BuySellPointType[]): number {
  if (types.length > 10) throw new Error(`a point has more than ten types (${types.join(',')})`);
  let v = 0;
  for (let i = types.length - 1; i >= 0; i--) v = (v << 3) | (POINT_TYPES.indexOf(types[i]!) + 1);
  return v;
}

/** The types of a packed value, in order. */
export function unpackTypes(v: number): BuySellPointType[] {
  const out: BuySellPointType[] = [];
  for (; v !== 0; v >>>= 3) out.push(POINT_TYPES[(v & 7) - 1]!);
  return out;
}

export function pivotColumnsOf(z: readonly PivotRecord[]): PivotColumns {
  const n = z.length;
  const c = {
    count: n,
    begin: new Int32Array(n),
    end: new Int32Array(n),
    beginRaw: new Int32Array(n),
    endRaw: new Int32Array(n),
    low: new Float64Array(n),
    high: new Float64Array(n),
    mid: new Float64Array(n),
    peakLow: new Float64Array(n),
    peakHigh: new Float64Array(n),
    confirmed: new Int8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = z[i]!;
    c.begin[i] = r.begin;
    c.end[i] = r.end;
    c.beginRaw[i] = r.beginRaw;
    c.endRaw[i] = r.endRaw;
    c.low[i] = r.low;
    c.high[i] = r.high;
    c.mid[i] = r.mid;
    c.peakLow[i] = r.peakLow;
    c.peakHigh[i] = r.peakHigh;
    c.confirmed[i] = r.confirmed ? 1 : 0;
  }
  return c;
}

export function pointColumnsOf(p: readonly PointRecord[]): PointColumns {
  const n = p.length;
  const c = {
    count: n,
    line: new Int32Array(n),
    types: new Int32Array(n),
    relate: new Int32Array(n),
    rate: new Float64Array(n),
    hasRate: new Int8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = p[i]!;
    c.line[i] = r.line;
    c.types[i] = packTypes(r.types);
    c.relate[i] = r.relate ?? -1;
    c.rate[i] = r.divergenceRate ?? 0;
    c.hasRate[i] = r.divergenceRate === null ? 0 : 1;
  }
  return c;
}
