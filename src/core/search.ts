// Searches over anything indexed in order (a sorted column, segments by their end or by their flag).

/**
 * The first index of 0..n-1 at which `holds` is true, or n when there is none. `holds` must be false
 * up to some index and true from there on (a sorted column compared with a value). O(log n) calls.
 */
export function firstIndex(n: number, holds: (i: number) => boolean): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first index whose value is >= v (values ascending; NaN counts as below), or values.length. */
export const lowerBound = (values: ArrayLike<number>, v: number): number => firstIndex(values.length, (i) => !(values[i]! < v));

/**
 * Walking back from n - 1, the `k`-th index at which `hit` is true (the first such index when there
 * are fewer, n when there is none), and how many such indices there are in all. O(n) calls.
 */
export function kthLastHit(n: number, k: number, hit: (i: number) => boolean): { at: number; hits: number } {
  let hits = 0,
    at = n;
  for (let i = n - 1; i >= 0; i--) {
    if (!hit(i)) continue;
    if (++hits <= k) at = i;
  }
  return { at, hits };
}
