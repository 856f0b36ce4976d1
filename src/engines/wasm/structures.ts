// The WASM structure stage's host side (assembly/structures.ts): the options block it reads, and its
// pivot and point columns, copied out (the result is shaped from them: core/structures).
import type { PointOptions, StructureOptions } from '../../core/structure-options.js';
import type { PivotColumns, PointColumns } from '../../core/structures/columns.js';
import { packTypes } from '../../core/structures/columns.js';
import { exportedNumber, type SlotName } from './layout.js';

export const OPTION_NAMES = [
  'O_DIVERGENCE',
  'O_MIN_PIVOTS',
  'O_MAX_BSP2',
  'O_BSP1_PEAK',
  'O_BSP2_FOLLOW1',
  'O_BSP3_FOLLOW1',
  'O_BSP3_PEAK',
  'O_BSP2S_FOLLOW2',
  'O_MAX_BSP2S_LEVEL',
  'O_STRICT_BSP3',
  'O_BSP3A_MAX_PIVOTS',
  'O_TYPES',
  'SIDE_OPTIONS',
  'STRUCTURE_OPTIONS',
] as const;

/** Positions in the options block, read from the module's exported globals (defined once, in assembly/points.ts). */
export type OptionLayout = { readonly [K in (typeof OPTION_NAMES)[number]]: number };

export function readOptionLayout(exports: WebAssembly.Exports): OptionLayout {
  const out: Record<string, number> = {};
  for (const name of OPTION_NAMES) out[name] = exportedNumber(exports, name);
  return out as OptionLayout;
}

/** Writes the options block: pen level (buy, sell), segment level (buy, sell), then the combination flag. */
export function writeStructureOptions(block: Float64Array, O: OptionLayout, o: StructureOptions): void {
  const side = (at: number, p: PointOptions) => {
    block[at + O.O_DIVERGENCE] = p.divergenceRate;
    block[at + O.O_MIN_PIVOTS] = p.minPivotCount;
    block[at + O.O_MAX_BSP2] = p.maxBsp2Rate;
    block[at + O.O_BSP1_PEAK] = p.bsp1Peak ? 1 : 0;
    block[at + O.O_BSP2_FOLLOW1] = p.bsp2Follow1 ? 1 : 0;
    block[at + O.O_BSP3_FOLLOW1] = p.bsp3Follow1 ? 1 : 0;
    block[at + O.O_BSP3_PEAK] = p.bsp3Peak ? 1 : 0;
    block[at + O.O_BSP2S_FOLLOW2] = p.bsp2sFollow2 ? 1 : 0;
    block[at + O.O_MAX_BSP2S_LEVEL] = p.maxBsp2sLevel ?? Infinity;
    block[at + O.O_STRICT_BSP3] = p.strictBsp3 ? 1 : 0;
    block[at + O.O_BSP3A_MAX_PIVOTS] = p.bsp3aMaxPivotCount;
    // Bit (1 << code) of every type reported; a type's code is what packTypes gives it alone.
    block[at + O.O_TYPES] = p.types.reduce((mask, t) => mask | (1 << packTypes([t])), 0);
  };
  const k = O.SIDE_OPTIONS;
  side(0, o.points.pen.buy);
  side(k, o.points.pen.sell);
  side(2 * k, o.points.segment.buy);
  side(3 * k, o.points.segment.sell);
  block[4 * k] = o.combinePivots ? 1 : 0;
}

type Slot = (name: SlotName) => number;

/** The pivot columns of a level (`p`: 'zp' pen, 'zs' segment), copied out of the linear memory. */
export function readPivots(buf: ArrayBuffer, at: Slot, p: 'zp' | 'zs'): PivotColumns {
  const n = at(`${p}Count`);
  const i32 = (s: SlotName) => new Int32Array(buf, at(s), n).slice();
  const f64 = (s: SlotName) => new Float64Array(buf, at(s), n).slice();
  return {
    count: n,
    begin: i32(`${p}Begin`),
    end: i32(`${p}End`),
    beginRaw: i32(`${p}BeginRaw`),
    endRaw: i32(`${p}EndRaw`),
    low: f64(`${p}Low`),
    high: f64(`${p}High`),
    mid: f64(`${p}Mid`),
    peakLow: f64(`${p}PeakLow`),
    peakHigh: f64(`${p}PeakHigh`),
    confirmed: new Int8Array(buf, at(`${p}Confirmed`), n).slice(),
  };
}

/** The point columns of a level (`p`: 'bp' pen, 'bs' segment), copied out of the linear memory. */
export function readPoints(buf: ArrayBuffer, at: Slot, p: 'bp' | 'bs'): PointColumns {
  const n = at(`${p}Count`);
  return {
    count: n,
    line: new Int32Array(buf, at(`${p}Line`), n).slice(),
    types: new Int32Array(buf, at(`${p}Types`), n).slice(),
    relate: new Int32Array(buf, at(`${p}Relate`), n).slice(),
    rate: new Float64Array(buf, at(`${p}Rate`), n).slice(),
    hasRate: new Int8Array(buf, at(`${p}HasRate`), n).slice(),
  };
}
