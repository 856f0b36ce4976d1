// The health-check input: a fixed pseudo-random walk whose analysis has a known fingerprint.
import { allocateBars } from '../core/bars.js';
import type { AnalysisOptions } from '../core/options.js';
import { DEFAULT_OPTIONS } from '../core/options.js';
import type { Bars } from '../core/types.js';

export const CANARY_BARS = 3000;

/** Deterministic (LCG) random walk with inclusions, flat bars and gaps. */
export function canaryBars(): Bars {
  const b = allocateBars(CANARY_BARS);
  let seed = 20261124;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  let p = 100;
  for (let i = 0; i < CANARY_BARS; i++) {
    const o = p;
    p = Math.max(1, Math.round((p + (rand() - 0.5) * 2) * 100) / 100);
    const flat = rand() < 0.02;
    b.timestamp[i] = 1_700_000_000_000 + i * 60_000;
    b.open[i] = o;
    b.close[i] = flat ? o : p;
    b.high[i] = flat ? o : Math.max(o, p) + Math.round(rand() * 60) / 100;
    b.low[i] = flat ? o : Math.max(0, Math.min(o, p) - Math.round(rand() * 60) / 100);
    b.volume[i] = 1;
    if (flat) p = o;
  }
  return b;
}

export const CANARY_OPTIONS: AnalysisOptions = DEFAULT_OPTIONS;

/** fingerprint(tsEngine.analyze(canaryBars(), CANARY_OPTIONS)); a test keeps it in step with the engines. */
export const CANARY_FINGERPRINT = '1ce4628d';
