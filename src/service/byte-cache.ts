// A least-recently-used cache bounded by entries and by bytes (lru-cache), counting hits and misses.
// Keys carry the series revision, so a write to a series makes its old entries unreachable (they age
// out) and no explicit invalidation is needed.
import { LRUCache } from 'lru-cache';

export class ByteCache<V extends object> {
  private readonly lru: LRUCache<string, V> | null;
  hits = 0;
  misses = 0;

  /** `maxEntries` or `maxBytes` 0: no cache. `size(v)`: v's bytes (an entry larger than maxBytes is not kept). */
  constructor(maxEntries: number, maxBytes: number, size: (v: V) => number) {
    this.lru =
      maxEntries === 0 || maxBytes === 0
        ? null
        : new LRUCache<string, V>({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (v) => Math.max(1, size(v)) });
  }

  get(key: string): V | undefined {
    const v = this.lru?.get(key);
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }

  set(key: string, v: V): void {
    this.lru?.set(key, v);
  }

  /** Bytes held now (by the size function). */
  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }
}
