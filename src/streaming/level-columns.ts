// The columns a level of the streaming structures keeps of its lines and its parents (local
// indices: 0 is the first kept one), growable, droppable from the front, saved and loaded by name.
import type { Lines, Parents } from '../core/structures/lines.js';

export type Column = Int8Array | Uint8Array | Int32Array | Float64Array;

const LINE_COLUMNS = [
  'dir',
  'low',
  'high',
  'begin',
  'end',
  'beginRaw',
  'endRaw',
  'beginTime',
  'endTime',
  'confirmed',
  'metricValue',
  'rangeFrom',
  'rangeTo',
  'endMerged',
] as const;
type LineColumnName = (typeof LINE_COLUMNS)[number];

function grown<T extends Column>(a: T, len: number): T {
  if (len <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(len, a.length * 2));
  b.set(a);
  return b;
}

/** Growable columns behind a Lines view (local indices). */
export class LineColumns implements Lines {
  n = 0;
  dir = new Int8Array(64);
  low = new Float64Array(64);
  high = new Float64Array(64);
  begin = new Float64Array(64);
  end = new Float64Array(64);
  beginRaw = new Int32Array(64);
  endRaw = new Int32Array(64);
  beginTime = new Float64Array(64);
  endTime = new Float64Array(64);
  confirmed = new Uint8Array(64);
  /** The divergence metric of each line, computed when the line is set. */
  metricValue = new Float64Array(64);
  /** Pen level: the raw bars the metric read (global) and the (global) merged bar the line ends in. */
  rangeFrom = new Int32Array(64);
  rangeTo = new Int32Array(64);
  endMerged = new Int32Array(64);

  metric(i: number): number {
    return this.metricValue[i]!;
  }

  private get columns(): Record<LineColumnName, Column> {
    return this as unknown as Record<LineColumnName, Column>;
  }

  reserve(n: number): void {
    const c = this.columns;
    for (const name of LINE_COLUMNS) c[name] = grown(c[name], n);
  }

  drop(k: number): void {
    const c = this.columns;
    for (const name of LINE_COLUMNS) c[name].copyWithin(0, k, this.n);
    this.n -= k;
  }

  save(prefix: string, out: Record<string, Column>): void {
    const c = this.columns;
    for (const name of LINE_COLUMNS) out[prefix + name] = c[name].slice(0, this.n);
  }

  load(n: number, prefix: string, from: Record<string, Column>): void {
    this.reserve(n);
    const c = this.columns;
    for (const name of LINE_COLUMNS) c[name].set(from[prefix + name]!);
    this.n = n;
  }
}

export class ParentColumns implements Parents {
  m = 0;
  start = new Int32Array(64);
  end = new Int32Array(64);
  dir = new Int8Array(64);
  confirmed = new Uint8Array(64);
  ofLine = new Int32Array(64);

  reserve(m: number): void {
    this.start = grown(this.start, m);
    this.end = grown(this.end, m);
    this.dir = grown(this.dir, m);
    this.confirmed = grown(this.confirmed, m);
  }

  /** pidx of lines from the start of parent `from` on (lines after the last parent get m). */
  mapLines(from: number, n: number): void {
    this.ofLine = grown(this.ofLine, n);
    for (let j = from; j < this.m; j++) this.ofLine.fill(j, this.start[j]!, Math.min(n, this.end[j]! + 1));
    const after = this.m > 0 ? this.end[this.m - 1]! + 1 : 0;
    const first = from < this.m ? this.start[from]! : after;
    this.ofLine.fill(this.m, Math.max(first, after), n);
  }

  drop(k: number, lines: number): void {
    for (const a of [this.start, this.end, this.dir, this.confirmed]) a.copyWithin(0, k, this.m);
    this.m -= k;
    for (let j = 0; j < this.m; j++) {
      this.start[j]! -= lines;
      this.end[j]! -= lines;
    }
  }
}
