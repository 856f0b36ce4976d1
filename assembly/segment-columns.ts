// The segment columns of the WASM engine (final, added, segments of segments): one store of
// start and end pen, direction, confirmed flag and end case per segment, growing geometrically on
// the bump heap. The TS twin (src/engines/ts/segments.ts) keeps records in arrays instead.
import { getI32, getI8, regrow, setI32, setI8 } from './mem';

/** Segment columns: start and end pen, direction, confirmed, end case (0 none, 1, 2). */
export class SegmentColumns {
  count: i32 = 0;
  cap: i32 = 0;
  start: usize = 0;
  end: usize = 0;
  dir: usize = 0;
  confirmed: usize = 0;
  endCase: usize = 0;

  /** Room for `cap` segments (old columns are abandoned on the bump heap; geometric growth). */
  grow(cap: i32): void {
    if (cap <= this.cap) return;
    cap = max(cap, this.cap * 2);
    const n = this.count;
    this.start = regrow(this.start, n << 2, cap << 2);
    this.end = regrow(this.end, n << 2, cap << 2);
    this.dir = regrow(this.dir, n, cap);
    this.confirmed = regrow(this.confirmed, n, cap);
    this.endCase = regrow(this.endCase, n, cap);
    this.cap = cap;
  }

  push(start: i32, end: i32, dir: i32, confirmed: bool, endCase: i32): void {
    if (this.count == this.cap) this.grow(this.cap + 1);
    const g = this.count++;
    setI32(this.start, g, start);
    setI32(this.end, g, end);
    setI8(this.dir, g, dir);
    setI8(this.confirmed, g, confirmed ? 1 : 0);
    setI8(this.endCase, g, endCase);
  }

  /** Appends all of `o`'s segments. */
  append(o: SegmentColumns): void {
    const n = this.count,
      k = o.count;
    this.grow(n + k);
    memory.copy(this.start + ((<usize>n) << 2), o.start, (<usize>k) << 2);
    memory.copy(this.end + ((<usize>n) << 2), o.end, (<usize>k) << 2);
    memory.copy(this.dir + <usize>n, o.dir, <usize>k);
    memory.copy(this.confirmed + <usize>n, o.confirmed, <usize>k);
    memory.copy(this.endCase + <usize>n, o.endCase, <usize>k);
    this.count = n + k;
  }

  /** Drops the first `k` segments; pen indices move down by `dp`. */
  shift(k: i32, dp: i32): void {
    const n = this.count - k;
    for (let i = 0; i < n; i++) {
      setI32(this.start, i, getI32(this.start, i + k) - dp);
      setI32(this.end, i, getI32(this.end, i + k) - dp);
      setI8(this.dir, i, getI8(this.dir, i + k));
      setI8(this.confirmed, i, getI8(this.confirmed, i + k));
      setI8(this.endCase, i, getI8(this.endCase, i + k));
    }
    this.count = n;
  }
}
