// The output table of the WASM module (assembly/layout.ts): one i32 per slot, a count or the address
// of a column. The positions are read from the module's exported `slot_<name>` globals when it is
// instantiated, so the order is defined once, on the AssemblyScript side.

export const SLOT_NAMES = [
  'mCount',
  'mHigh',
  'mLow',
  'mDir',
  'mFx',
  'mStart',
  'mEnd',
  'mHighApex',
  'mLowApex',
  'mFractals',
  'mFractalCount',
  'mCap',
  'pCount',
  'pStart',
  'pEnd',
  'pDir',
  'pFlags',
  'fCount',
  'fStart',
  'fEnd',
  'fDir',
  'fConfirmed',
  'fCase',
  'gCount',
  'gStart',
  'gEnd',
  'gDir',
  'gConfirmed',
  'gCase',
  'ssCount',
  'ssStart',
  'ssEnd',
  'ssDir',
  'ssConfirmed',
  'ssCase',
  'dif',
  'dea',
  'hist',
  'firstValid',
  'free',
  'freeCount',
  'lastEnd',
  'tail',
  'nTail',
  'macdOut',
  'macdCount',
  'macdState',
  'seedCloses',
  'seedDifs',
  'baseLen',
  'resumeBegin',
  'events',
  'markI',
  'markF',
  'lBegin',
  'lEnd',
  'lLow',
  'lHigh',
  'lBeginRaw',
  'lEndRaw',
  'lConfirmed',
  'lPeak',
  'zpCount',
  'zpBegin',
  'zpEnd',
  'zpBeginRaw',
  'zpEndRaw',
  'zpLow',
  'zpHigh',
  'zpMid',
  'zpPeakLow',
  'zpPeakHigh',
  'zpConfirmed',
  'zsCount',
  'zsBegin',
  'zsEnd',
  'zsBeginRaw',
  'zsEndRaw',
  'zsLow',
  'zsHigh',
  'zsMid',
  'zsPeakLow',
  'zsPeakHigh',
  'zsConfirmed',
  'bpCount',
  'bpLine',
  'bpTypes',
  'bpRelate',
  'bpRate',
  'bpHasRate',
  'bsCount',
  'bsLine',
  'bsTypes',
  'bsRelate',
  'bsRate',
  'bsHasRate',
  'zpOwner',
  'zsOwner',
] as const;

export type SlotName = (typeof SLOT_NAMES)[number];

/** Slot positions by name, and the table's length. */
export type Layout = { readonly [K in SlotName]: number } & { readonly size: number };

/** The value of an exported global (throws if the module lacks it: a foreign or stale build). */
export function exportedNumber(exports: WebAssembly.Exports, name: string): number {
  const g = exports[name];
  if (!(g instanceof WebAssembly.Global)) throw new Error(`the WASM module exports no ${name}: not a chan-engine build of this version`);
  return g.value as number;
}

/** The slot positions of an instance's exports. */
export function readLayout(exports: WebAssembly.Exports): Layout {
  const out: Record<string, number> = { size: exportedNumber(exports, 'LAYOUT_SLOTS') };
  for (const n of SLOT_NAMES) out[n] = exportedNumber(exports, `slot_${n}`);
  return out as Layout;
}
