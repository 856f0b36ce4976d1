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
] as const;

export type SlotName = (typeof SLOT_NAMES)[number];

/** Slot positions by name, and the table's length. */
export type Layout = { readonly [K in SlotName]: number } & { readonly size: number };

/** The slot positions of an instance's exports (throws if the module lacks one: a foreign or stale build). */
export function readLayout(exports: WebAssembly.Exports): Layout {
  const value = (name: string): number => {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) throw new Error(`the WASM module exports no ${name}: not a chan-engine build of this version`);
    return g.value as number;
  };
  const out: Record<string, number> = { size: value('LAYOUT_SLOTS') };
  for (const n of SLOT_NAMES) out[n] = value(`slot_${n}`);
  return out as Layout;
}
