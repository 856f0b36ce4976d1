// WASM-only (streaming; the TS engine runs the same rules without them): a rebuild re-reads the
// forming segment's pens on every bar, so the segment search's scans and forward peak searches over
// final pens are stored and reused while everything they read stays final (as chan.py splits its
// Seg/ folder, this holds what only the WASM engine needs). The re-feed store is in feature-sequence.ts.
import { FeatureFractal, forgetReplays, maxRead, replaysInit } from './feature-sequence';

/** A stored scan (scanFrom): the state before pen `next`, or at its fractal when `found` (UP / DOWN) is set. */
export class Scan {
  begin: i32 = -1;
  lastDir0: i32 = 0;
  next: i32 = 0;
  lastDir: i32 = 0;
  found: i32 = 0;
  maxRead: i32 = 0;
  up: FeatureFractal = new FeatureFractal();
  down: FeatureFractal = new FeatureFractal();

  store(begin: i32, lastDir0: i32, next: i32, lastDir: i32, found: i32, up: FeatureFractal, down: FeatureFractal): void {
    this.begin = begin;
    this.lastDir0 = lastDir0;
    this.next = next;
    this.lastDir = lastDir;
    this.found = found;
    this.maxRead = maxRead;
    this.up.copyFrom(up);
    this.down.copyFrom(down);
  }
}

export const SCAN_SLOTS: i32 = 64;
/** Direct-mapped by begin (streaming only). */
/** Direct-mapped by begin (streaming only). */
export let scans: StaticArray<Scan> = changetype<StaticArray<Scan>>(0);

/** A stored forward peak search (findPeak from `from` to the last pen): its result over pens from..upto-1. */
export class PeakScan {
  key: i32 = -1;
  upto: i32 = 0;
  best: f64 = 0;
  peak: i32 = -1;
}

export const PEAK_SLOTS: i32 = 64;
/** Direct-mapped by key = from << 1 | isHigh (streaming only). */
export let peaks: StaticArray<PeakScan> = changetype<StaticArray<PeakScan>>(0);
/** Allocates the stores (streaming only). */
export function memoInit(): void {
  replaysInit();
  scans = new StaticArray<Scan>(SCAN_SLOTS);
  for (let j = 0; j < SCAN_SLOTS; j++) unchecked((scans[j] = new Scan()));
  peaks = new StaticArray<PeakScan>(PEAK_SLOTS);
  for (let j = 0; j < PEAK_SLOTS; j++) unchecked((peaks[j] = new PeakScan()));
}

/** Forgets stored re-feeds, scans and peak searches (the final pens they read changed or moved). */
export function forgetStored(): void {
  if (changetype<usize>(scans) == 0) return;
  forgetReplays();
  for (let j = 0; j < SCAN_SLOTS; j++) unchecked(scans[j]).begin = -1;
  for (let j = 0; j < PEAK_SLOTS; j++) unchecked(peaks[j]).key = -1;
}

export function storePeak(p: PeakScan, key: i32, upto: i32, best: f64, peak: i32): void {
  p.key = key;
  p.upto = upto;
  p.best = best;
  p.peak = peak;
}
