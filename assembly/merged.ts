// Storage of the merged bars (columns in linear memory) and the direction/fractal constants.
import { alloc } from './mem';

export const UP: i32 = 1;
export const DOWN: i32 = -1;
export const TOP: i32 = 1;
export const BOTTOM: i32 = -1;

export let mCount: i32 = 0;
export let mHigh: usize = 0;
export let mLow: usize = 0;
export let mDir: usize = 0;
export let mFx: usize = 0;
export let mStart: usize = 0;
export let mEnd: usize = 0;
/** Last raw bar whose high (low) equals the merged high (low). */
export let mHighApex: usize = 0;
export let mLowApex: usize = 0;
/** Merged indices of the fractals, in order. */
export let mFractals: usize = 0;
export let mFractalCount: i32 = 0;

export function mergeInit(capacity: i32): void {
  mCount = 0;
  mHigh = alloc(capacity << 3);
  mLow = alloc(capacity << 3);
  mStart = alloc(capacity << 2);
  mEnd = alloc(capacity << 2);
  mHighApex = alloc(capacity << 2);
  mLowApex = alloc(capacity << 2);
  mFractals = alloc(capacity << 2);
  mFractalCount = 0;
  mDir = alloc(capacity);
  mFx = alloc(capacity);
}

export function setCount(c: i32): void {
  mCount = c;
}

export function addFractal(k: i32): void {
  store<i32>(mFractals + (<usize>mFractalCount << 2), k);
  mFractalCount++;
}
