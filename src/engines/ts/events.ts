// The TS kernel's event comparison: after each bar the pens and segments are compared with those
// published after the previous bar, and what changed is written as numeric records (format:
// core/events.ts). assembly/events.ts is the WASM kernel's twin, with the same records.
import {
  EVENT_SLOTS,
  PEN_CONFIRMED,
  PEN_EXTENDED,
  PEN_PROVISIONAL,
  PEN_REMOVED,
  PEN_SHOWN,
  PEN_SLOTS,
  SEG_SLOTS,
  SEGMENT_CONFIRMED,
  SEGMENT_PROVISIONAL,
  SEGMENT_REMOVED,
} from '../../core/events.js';
import type { MergedColumns, PenRecord, SegmentRecord } from '../../core/records.js';

/** Growable rows of `width` numbers. */
class Rows {
  count = 0;
  data: Float64Array<ArrayBufferLike>;
  constructor(readonly width: number) {
    this.data = new Float64Array(8 * width);
  }
  /** Offset of row i (room is made for it). */
  at(i: number): number {
    const o = i * this.width;
    if (o + this.width > this.data.length) {
      const d = new Float64Array(Math.max(o + this.width, 2 * this.data.length));
      d.set(this.data);
      this.data = d;
    }
    return o;
  }
}

/** The stage results the comparison reads (the TS kernel's own state, updated in place). */
export interface EventSource {
  readonly m: MergedColumns;
  /** Confirmed pens. */
  readonly pens: readonly PenRecord[];
  /** The pens from the last confirmed one on, with the provisional tail. */
  tail: PenRecord[];
  /** Final segments; the list is finals 0..baseLen-1, then `added`. */
  readonly finals: readonly SegmentRecord[];
  baseLen: number;
  added: SegmentRecord[];
}

/** The TS kernel's event comparison (see the file comment); mirrors assembly/events.ts. */
export class StreamEvents {
  mBase = 0;
  pBase = 0;
  sBase = 0;
  readonly events = new Rows(EVENT_SLOTS);
  private pubPens = new Rows(PEN_SLOTS);
  private nextPens = new Rows(PEN_SLOTS);
  private pubSegs = new Rows(SEG_SLOTS);
  private nextSegs = new Rows(SEG_SLOTS);
  private pubPenFrom = 0;
  private pubSegFrom = 0;
  private readonly a = new Float64Array(SEG_SLOTS);
  private readonly b = new Float64Array(SEG_SLOTS);

  constructor(private readonly s: EventSource) {}

  private finalCount(): number {
    return Math.max(0, this.s.pens.length - 1);
  }

  /** Pen i (local): final pens, then the tail. */
  private penRecord(i: number): PenRecord {
    const f = this.finalCount();
    return i < f ? this.s.pens[i]! : this.s.tail[i - f]!;
  }

  private penShape(i: number, out: Float64Array, o: number): void {
    const r = this.penRecord(i);
    out[o] = this.mBase + r.startK;
    out[o + 1] = this.mBase + r.endK;
    out[o + 2] = r.dir;
    out[o + 3] = r.confirmed ? 1 : 0;
    this.ends(r, r, out, o);
    out[o + 8] = r.wasConfirmed ? 1 : 0;
  }

  /** Slots 4-7 of a shape: raw index and price where pen `a` starts and pen `b` ends. */
  private ends(a: PenRecord, b: PenRecord, out: Float64Array, o: number): void {
    const m = this.s.m;
    const aUp = a.dir === 1,
      bUp = b.dir === 1;
    out[o + 4] = aUp ? m.lowApex[a.startK]! : m.highApex[a.startK]!;
    out[o + 5] = bUp ? m.highApex[b.endK]! : m.lowApex[b.endK]!;
    out[o + 6] = aUp ? m.low[a.startK]! : m.high[a.startK]!;
    out[o + 7] = bUp ? m.high[b.endK]! : m.low[b.endK]!;
  }

  /** A segment's shape: its start from its first pen, its end from its last, as they are now. */
  private segShape(r: SegmentRecord, out: Float64Array, o: number): void {
    out[o] = this.pBase + r.startPen;
    out[o + 1] = this.pBase + r.endPen;
    out[o + 2] = r.dir;
    out[o + 3] = r.confirmed ? 1 : 0;
    this.ends(this.penRecord(r.startPen), this.penRecord(r.endPen), out, o);
    out[o + 8] = r.endCase ?? 0;
  }

  private emit(type: number, index: number, shape: Float64Array | null, o: number, slots: number): void {
    const e = this.events;
    const at = e.at(e.count++);
    e.data[at] = type;
    e.data[at + 1] = index;
    for (let k = 0; k < slots; k++) e.data[at + 2 + k] = shape![o + k]!;
  }

  private shapeTail(): void {
    const f = this.finalCount(),
      n = this.s.tail.length,
      next = this.nextPens;
    next.count = n;
    for (let j = 0; j < n; j++) {
      const o = next.at(j);
      this.penShape(f + j, next.data, o);
    }
  }

  /** Shapes of `list` into `rows`. */
  private shapeSegs(list: readonly SegmentRecord[], rows: Rows): void {
    rows.count = list.length;
    for (let j = 0; j < list.length; j++) {
      const o = rows.at(j);
      this.segShape(list[j]!, rows.data, o);
    }
  }

  private swapPens(): void {
    const t = this.pubPens;
    this.pubPens = this.nextPens;
    this.nextPens = t;
  }

  private swapSegs(): void {
    const t = this.pubSegs;
    this.pubSegs = this.nextSegs;
    this.nextSegs = t;
  }

  /**
   * After the pen stage: events for the pens (and, when they changed, for the segments, whose stage
   * `runSegments` runs first), then publishes. `replaced`: the last bar was replaced (see rewind).
   */
  step(replaced: boolean, runSegments: () => void): void {
    this.events.count = 0;
    const tail = this.s.tail.length;
    const f = this.finalCount(),
      now = f + tail;
    const from = this.pubPenFrom - this.pBase,
      old = this.pubPens,
      oldLen = old.count;
    this.shapeTail();
    const next = this.nextPens;
    let changed = replaced || f !== from || oldLen !== tail;
    for (let j = 0; !changed && j < tail; j++) changed = !same(old.data, old.at(j), next.data, next.at(j), PEN_SHOWN);
    // The same pens: no event, nothing new to publish, and the segments cannot have changed.
    if (!changed) return;
    const end = Math.max(from + oldLen, now);
    for (let i = from; i < end; i++) {
      if (i >= now) {
        this.emit(PEN_REMOVED, this.pBase + i, null, 0, 0);
        continue;
      }
      let b: Float64Array<ArrayBufferLike> = this.b,
        bo = 0;
      if (i >= f) {
        bo = next.at(i - f);
        b = next.data;
      } else this.penShape(i, b, 0);
      const had = i - from < oldLen;
      const ao = had ? old.at(i - from) : 0;
      if (had && same(old.data, ao, b, bo, PEN_SHOWN)) continue;
      // Extended: a pen confirmed before (possibly shown extended provisionally since) is confirmed
      // from the same start to the same or a later end.
      const extended = had && old.data[ao + 8] === 1 && old.data[ao] === b[bo] && b[bo + 1]! >= old.data[ao + 1]!;
      const type = b[bo + 3] !== 1 ? PEN_PROVISIONAL : extended ? PEN_EXTENDED : PEN_CONFIRMED;
      this.emit(type, this.pBase + i, b, bo, PEN_SLOTS);
    }
    this.swapPens();
    this.pubPenFrom = this.pBase + f;
    runSegments();
    this.diffSegments();
  }

  private diffSegments(): void {
    const { finals, baseLen, added } = this.s;
    const old = this.pubSegs,
      next = this.nextSegs;
    const oldFrom = this.pubSegFrom - this.sBase,
      oldLen = old.count;
    const nowLen = baseLen + added.length;
    const from = Math.min(oldFrom, baseLen),
      end = Math.max(oldFrom + oldLen, nowLen);
    next.count = added.length;
    this.shapeSegs(added, next);
    for (let j = from; j < end; j++) {
      if (j >= nowLen) {
        this.emit(SEGMENT_REMOVED, this.sBase + j, null, 0, 0);
        continue;
      }
      // Below a list's start its entries are the final segments (as shaped now).
      if (j < oldFrom && j < baseLen) continue;
      let b: Float64Array<ArrayBufferLike> = this.b,
        bo = 0;
      if (j >= baseLen) {
        bo = next.at(j - baseLen);
        b = next.data;
      } else this.segShape(finals[j]!, b, 0);
      let a: Float64Array<ArrayBufferLike> | null = null,
        ao = 0;
      if (j < oldFrom) {
        a = this.a;
        this.segShape(finals[j]!, a, 0);
      } else if (j - oldFrom < oldLen) {
        a = old.data;
        ao = old.at(j - oldFrom);
      }
      if (a !== null && same(a, ao, b, bo, SEG_SLOTS)) continue;
      this.emit(b[bo + 3] === 1 ? SEGMENT_CONFIRMED : SEGMENT_PROVISIONAL, this.sBase + j, b, bo, SEG_SLOTS);
    }
    this.swapSegs();
    this.pubSegFrom = this.sBase + baseLen;
  }

  /**
   * Before the state goes back to the mark of the last bar (to replace it): the published lists are
   * extended down to what the mark held as final (`markPens` pens, `markSegments` final segments),
   * so the replacement's events compare with everything it may change.
   */
  rewind(markPens: number, markSegments: number): void {
    const from = this.pubPenFrom - this.pBase,
      mf = Math.min(from, Math.max(0, markPens - 1));
    const next = this.nextPens;
    next.count = 0;
    for (let i = mf; i < from; i++) {
      const o = next.at(next.count++);
      this.penShape(i, next.data, o);
    }
    appendRows(next, this.pubPens);
    this.swapPens();
    this.pubPenFrom = this.pBase + mf;
    const sf = this.pubSegFrom - this.sBase,
      ms = Math.min(sf, markSegments);
    const segs = this.nextSegs;
    segs.count = 0;
    for (let j = ms; j < sf; j++) {
      const o = segs.at(segs.count++);
      this.segShape(this.s.finals[j]!, segs.data, o);
    }
    appendRows(segs, this.pubSegs);
    this.swapSegs();
    this.pubSegFrom = this.sBase + ms;
  }

  /** The window dropped the first dm merged bars, dp pens and ds segments. */
  drop(dm: number, dp: number, ds: number): void {
    this.mBase += dm;
    this.pBase += dp;
    this.sBase += ds;
  }

  /** After a restore from a blob: the bases, then the current pens and segments published (no events). */
  load(mb: number, pb: number, sb: number, runSegments: () => void): void {
    this.mBase = mb;
    this.pBase = pb;
    this.sBase = sb;
    this.shapeTail();
    this.swapPens();
    this.pubPenFrom = this.pBase + this.finalCount();
    runSegments();
    const next = this.nextSegs,
      added = this.s.added;
    next.count = added.length;
    this.shapeSegs(added, next);
    this.swapSegs();
    this.pubSegFrom = this.sBase + this.s.baseLen;
    this.events.count = 0;
  }
}

/** Appends the rows of `from` to `to`. */
function appendRows(to: Rows, from: Rows): void {
  for (let j = 0; j < from.count; j++) {
    const o = to.at(to.count++);
    to.data.set(from.data.subarray(from.at(j), from.at(j) + from.width), o);
  }
}

function same(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[ao + k] !== b[bo + k]) return false;
  return true;
}
