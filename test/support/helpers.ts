// Shared test helpers: fixture loading and tiny bar builders.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseBarsCsv } from '../../src/core/csv.js';
import { barsFromObjects } from '../../src/core/bars.js';
import type { Bars } from '../../src/core/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureText(name: string): string {
  const buf = readFileSync(FIXTURES + name);
  return (name.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

export function fixtureBars(series: string): Bars {
  return parseBarsCsv(fixtureText(`${series}.csv.gz`));
}

/** Rows of a CSV fixture without its header, split on commas. */
export function fixtureRows(name: string): string[][] {
  return fixtureText(name)
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

/** Bars from [high, low] pairs: open = low, close = high, timestamps 0, 60000, ... */
export function hl(pairs: ReadonlyArray<readonly [number, number]>): Bars {
  return barsFromObjects(pairs.map(([h, l], i) => ({ timestamp: i * 60_000, open: l, high: h, low: l, close: h, volume: 1 })));
}

export const REAL_SERIES = ['sse_000001_1d_20061106_20200716', 'msft_1d_19900102_20220310', 'spy_1h_19980102_20210331'] as const;

/** The error of class `cls` that `run` throws (any other outcome fails the test). */
export function thrown<T extends Error>(run: () => unknown, cls: new (...args: never[]) => T): T {
  try {
    run();
  } catch (e) {
    if (e instanceof cls) return e;
    throw e;
  }
  throw new Error(`expected a ${cls.name}`);
}

/** The error a promise rejects with (one that resolves fails the test). */
export async function rejected(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** Waits until `ok()` holds, polling every 20 ms for up to 10 s (then fails the test). */
export async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the awaited condition never held');
}
