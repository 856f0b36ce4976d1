// The output table (slots in layout.ts): its allocation, and the merged-bar, pen and segment slots
// that both writers (the batch pipeline and the streaming kernel) fill.
import {
  LAYOUT_SLOTS,
  slot_fCase,
  slot_fConfirmed,
  slot_fCount,
  slot_fDir,
  slot_fEnd,
  slot_fStart,
  slot_gCase,
  slot_gConfirmed,
  slot_gCount,
  slot_gDir,
  slot_gEnd,
  slot_gStart,
  slot_mCap,
  slot_mCount,
  slot_mDir,
  slot_mEnd,
  slot_mFractalCount,
  slot_mFractals,
  slot_mFx,
  slot_mHigh,
  slot_mHighApex,
  slot_mLow,
  slot_mLowApex,
  slot_mStart,
  slot_pCount,
  slot_pDir,
  slot_pEnd,
  slot_pFlags,
  slot_pStart,
  slot_ssCase,
  slot_ssConfirmed,
  slot_ssCount,
  slot_ssDir,
  slot_ssEnd,
  slot_ssStart,
} from './layout';
import { setI32 } from './mem';
import { mCap, mCount, mDir, mEnd, mFractalCount, mFractals, mFx, mHigh, mHighApex, mLow, mLowApex, mStart } from './merge';
import { pCount, pDir, pEnd, pFlags, pStart } from './pens';
import { added, finals, segsegs } from './segments';

/** A zeroed table (slots a writer does not own stay 0). */
export function layoutTable(): usize {
  const t = heap.alloc((<usize>LAYOUT_SLOTS) << 2);
  memory.fill(t, 0, (<usize>LAYOUT_SLOTS) << 2);
  return t;
}

/** The merged-bar, pen and segment slots (both writers). */
export function writeStageSlots(t: usize): void {
  setI32(t, slot_mCount, mCount);
  setI32(t, slot_mHigh, <i32>mHigh);
  setI32(t, slot_mLow, <i32>mLow);
  setI32(t, slot_mDir, <i32>mDir);
  setI32(t, slot_mFx, <i32>mFx);
  setI32(t, slot_mStart, <i32>mStart);
  setI32(t, slot_mEnd, <i32>mEnd);
  setI32(t, slot_mHighApex, <i32>mHighApex);
  setI32(t, slot_mLowApex, <i32>mLowApex);
  setI32(t, slot_mFractals, <i32>mFractals);
  setI32(t, slot_mFractalCount, mFractalCount);
  setI32(t, slot_mCap, mCap);
  setI32(t, slot_pCount, pCount);
  setI32(t, slot_pStart, <i32>pStart);
  setI32(t, slot_pEnd, <i32>pEnd);
  setI32(t, slot_pDir, <i32>pDir);
  setI32(t, slot_pFlags, <i32>pFlags);
  setI32(t, slot_fCount, finals.count);
  setI32(t, slot_fStart, <i32>finals.start);
  setI32(t, slot_fEnd, <i32>finals.end);
  setI32(t, slot_fDir, <i32>finals.dir);
  setI32(t, slot_fConfirmed, <i32>finals.confirmed);
  setI32(t, slot_fCase, <i32>finals.endCase);
  setI32(t, slot_gCount, added.count);
  setI32(t, slot_gStart, <i32>added.start);
  setI32(t, slot_gEnd, <i32>added.end);
  setI32(t, slot_gDir, <i32>added.dir);
  setI32(t, slot_gConfirmed, <i32>added.confirmed);
  setI32(t, slot_gCase, <i32>added.endCase);
  setI32(t, slot_ssCount, segsegs.count);
  setI32(t, slot_ssStart, <i32>segsegs.start);
  setI32(t, slot_ssEnd, <i32>segsegs.end);
  setI32(t, slot_ssDir, <i32>segsegs.dir);
  setI32(t, slot_ssConfirmed, <i32>segsegs.confirmed);
  setI32(t, slot_ssCase, <i32>segsegs.endCase);
}
