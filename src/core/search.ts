// Binary search over anything indexed in order (a sorted column, segments by their end).

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
