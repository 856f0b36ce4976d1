// Growing columns in streaming: the first write to a fresh page of a grown typed array is a page
// fault (~4 us each measured on this VM). Taken a page at a time they land on about one append in
// sixty, right at the p99; writing the unused rows ahead once, PREFAULT_ROWS at a time, puts them on
// one append in 2,048, at some cost to the p99.9 (docs/perf-notes.md: 512 rows gained less at the p99,
// 4,096 no more than 2,048). assembly/merge.ts does the same for the WASM kernel's columns.

export const PREFAULT_ROWS = 2048;

type Column = Float64Array | Int32Array | Int8Array;

/**
 * Rows `from`..`to` (unused) of each column written once; returns `to`. Callers keep the returned
 * row as their "written up to" mark and call again when the next row to write reaches it.
 */
export function prefault(cols: readonly Column[], from: number, to: number): number {
  for (const c of cols) c.fill(0, from, to);
  return to;
}
