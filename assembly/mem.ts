// Raw linear-memory access (no bounds checks: the host sizes every buffer before a run).

// @ts-ignore: decorator
@inline export function getF64(base: usize, i: i32): f64 { return load<f64>(base + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function setF64(base: usize, i: i32, v: f64): void { store<f64>(base + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function getI32(base: usize, i: i32): i32 { return load<i32>(base + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function setI32(base: usize, i: i32, v: i32): void { store<i32>(base + (<usize>i << 2), v); }
// @ts-ignore: decorator
@inline export function getI8(base: usize, i: i32): i32 { return <i32>load<i8>(base + <usize>i); }
// @ts-ignore: decorator
@inline export function setI8(base: usize, i: i32, v: i32): void { store<i8>(base + <usize>i, <i8>v); }

/** Allocates `bytes` (16-byte aligned) from the per-run bump heap. */
export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>max(bytes, 16));
}

/** A new block of `bytes` starting with the first `used` bytes of `p` (a growing column; the bump heap abandons the old one). */
export function regrow(p: usize, used: i32, bytes: i32): usize {
  const q = alloc(bytes);
  memory.copy(q, p, <usize>used);
  return q;
}
