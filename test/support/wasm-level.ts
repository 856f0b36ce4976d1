// The WASM structure stage alone (assembly/structures.ts: levelStructures) on lines and parents the
// test makes, so the rules' hand-worked cases run on both twins. Returns records in the TS rules' shape.
import { embeddedWasmBytes } from '../../src/engines/wasm/embedded.js';
import { instantiate } from '../../src/engines/wasm/engine.js';
import { readPivots, readPoints, writeStructureOptions } from '../../src/engines/wasm/structures.js';
import { unpackTypes } from '../../src/core/structures/columns.js';
import type { Lines, Parents } from '../../src/core/structures/lines.js';
import type { PivotRecord } from '../../src/core/structures/pivots.js';
import type { PointRecord } from '../../src/core/structures/points.js';
import type { StructureOptions } from '../../src/core/structure-options.js';
import type { SlotName } from '../../src/engines/wasm/layout.js';

interface StageExports {
  readonly memory: WebAssembly.Memory;
  prepare(n: number): number;
  structureOptionsOffset(): number;
  scratch(bytes: number): number;
  levelStructures(...args: number[]): void;
  layout(): number;
}

const { ex: plain, L, O } = instantiate(embeddedWasmBytes());
const ex = plain as unknown as StageExports;

/** Pivots and points of the pen level by the WASM stage (`o`: its pen-level options and the combination flag). */
export function wasmLevel(lines: Lines, parents: Parents, o: StructureOptions): { pivots: PivotRecord[]; points: PointRecord[] } {
  const base = ex.prepare(0);
  writeStructureOptions(new Float64Array(ex.memory.buffer, base + ex.structureOptionsOffset(), O.STRUCTURE_OPTIONS), O, o);
  const put = (a: Int8Array | Uint8Array | Int32Array | Float64Array) => {
    const at = ex.scratch(Math.max(a.byteLength, 1));
    new Uint8Array(ex.memory.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return at;
  };
  const metric = Float64Array.from({ length: lines.n }, (_, i) => lines.metric(i));
  const i8 = (a: Int8Array | Uint8Array) => Int8Array.from(a);
  ex.levelStructures(
    lines.n,
    put(i8(lines.dir)),
    put(lines.low),
    put(lines.high),
    put(lines.begin),
    put(lines.end),
    put(lines.beginRaw),
    put(lines.endRaw),
    put(i8(lines.confirmed)),
    put(metric),
    parents.m,
    put(parents.start),
    put(parents.end),
    put(i8(parents.dir)),
    put(i8(parents.confirmed)),
    base + ex.structureOptionsOffset(),
  );
  const buf = ex.memory.buffer;
  const t = new Int32Array(buf, ex.layout(), L.size);
  const at = (s: SlotName) => t[L[s]]!;
  const z = readPivots(buf, at, 'zp');
  const owner = new Int32Array(buf, at('zpOwner'), z.count);
  const b = readPoints(buf, at, 'bp');
  const pivots = Array.from({ length: z.count }, (_, i) => ({
    begin: z.begin[i]!,
    end: z.end[i]!,
    beginRaw: z.beginRaw[i]!,
    endRaw: z.endRaw[i]!,
    low: z.low[i]!,
    high: z.high[i]!,
    mid: z.mid[i]!,
    peakLow: z.peakLow[i]!,
    peakHigh: z.peakHigh[i]!,
    confirmed: z.confirmed[i] === 1,
    owner: owner[i]!,
  }));
  const points = Array.from({ length: b.count }, (_, i): PointRecord => ({
    line: b.line[i]!,
    side: lines.dir[b.line[i]!] === -1 ? 'buy' : 'sell',
    types: unpackTypes(b.types[i]!),
    relate: b.relate[i]! < 0 ? null : b.relate[i]!,
    divergenceRate: b.hasRate[i] === 1 ? b.rate[i]! : null,
  }));
  return { pivots, points };
}
