// A versioned binary container for saved analyzer state: "CHANSTAT", a JSON header (format,
// engine fingerprint, scalars), typed-array sections and a checksum of all that, so a blob changed
// where it was kept is refused rather than restored into a different state. Portable (no Node API).
import { ConfigError, StateBlobError } from '../core/errors.js';

const MAGIC = 'CHANSTAT';
/** Bumped whenever the saved layout changes; older or newer blobs are refused. */
export const STATE_FORMAT = 4;

type Typed = Float64Array | Int32Array | Int8Array | Uint8Array;
const KINDS = { f64: Float64Array, i32: Int32Array, i8: Int8Array, u8: Uint8Array } as const;
type Kind = keyof typeof KINDS;

interface Header {
  format: number;
  engine: string;
  meta: unknown;
  arrays: { name: string; kind: Kind; offset: number; length: number }[];
}

const kindOf = (a: Typed): Kind =>
  a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : a instanceof Int8Array ? 'i8' : 'u8';

/**
 * JSON that keeps every number: Infinity, -Infinity, NaN and -0 (which JSON.stringify writes as null
 * or 0) travel as {"$n": "..."}. Options hold Infinity (a divergence rate), results NaN and Infinity.
 */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $n: Object.is(v, -0) ? '-0' : String(v) } : v,
  );
}

export function parseExact(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$n') return Number((v as { $n: string }).$n);
    }
    return v;
  });
}

export function writeStateBlob(engine: string, meta: unknown, arrays: Record<string, Typed>): Uint8Array {
  const entries = Object.entries(arrays);
  let offset = 0;
  const index = entries.map(([name, a]) => {
    const e = { name, kind: kindOf(a), offset, length: a.length };
    offset += Math.ceil(a.byteLength / 8) * 8;
    return e;
  });
  const header: Header = { format: STATE_FORMAT, engine, meta, arrays: index };
  const json = new TextEncoder().encode(stringifyExact(header));
  const start = Math.ceil((12 + json.length) / 8) * 8;
  const out = new Uint8Array(start + offset + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  entries.forEach(([, a], i) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + index[i]!.offset));
  view.setUint32(start + offset, checksum(out.subarray(0, start + offset)), true);
  return out;
}

/** The bytes of a blob given as a Uint8Array (a Node Buffer is one) or an ArrayBuffer (from fetch, a KV store). */
function blobBytes(blob: unknown): Uint8Array {
  if (blob instanceof Uint8Array) return blob;
  if (blob instanceof ArrayBuffer) return new Uint8Array(blob);
  const got =
    blob === null || blob === undefined ? String(blob) : typeof blob === 'object' ? `a ${blob.constructor.name}` : `a ${typeof blob}`;
  throw new StateBlobError(`a state blob is a Uint8Array or an ArrayBuffer, got ${got}`);
}

/** Parses a blob; throws StateBlobError unless it has this build's format and `engine` fingerprint. */
export function readStateBlob(given: Uint8Array | ArrayBuffer, engine: string): { meta: unknown; arrays: Record<string, Typed> } {
  const blob = blobBytes(given);
  if (blob.length < 12 || new TextDecoder().decode(blob.subarray(0, 8)) !== MAGIC) {
    throw new StateBlobError('not a chan-engine state blob (bad magic)');
  }
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(8, true);
  let header: Header;
  try {
    header = parseExact(new TextDecoder().decode(blob.subarray(12, 12 + len))) as Header;
  } catch {
    throw new StateBlobError('state blob header is corrupt');
  }
  if (header.format !== STATE_FORMAT) {
    throw new StateBlobError(
      `state blob format ${header.format} is not supported by this build (format ${STATE_FORMAT}): recompute from the bars`,
    );
  }
  if (header.engine !== engine) {
    throw new StateBlobError(`state blob was written by ${header.engine}; this is ${engine}: recompute from the bars`);
  }
  // Checked before the sections' layout is read: a blob changed or cut anywhere stops here.
  const end = blob.length - 4;
  if (checksum(blob.subarray(0, end)) !== new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(end, true)) {
    throw new StateBlobError('state blob is damaged or cut short (its checksum does not match): recompute from the bars');
  }
  const start = Math.ceil((12 + len) / 8) * 8;
  const arrays: Record<string, Typed> = {};
  for (const e of header.arrays) {
    const C = KINDS[e.kind];
    const bytes = e.length * C.BYTES_PER_ELEMENT;
    if (start + e.offset + bytes > end) throw new StateBlobError(`state blob is truncated (section ${e.name})`);
    // Copy into an aligned buffer: the blob may sit at any byte offset.
    arrays[e.name] = new C(blob.slice(start + e.offset, start + e.offset + bytes).buffer);
  }
  return { meta: header.meta, arrays };
}

/**
 * FNV-1a over the bytes' 32-bit words (then any last bytes): a change of any one word always changes
 * it (each step is a bijection of the running value).
 */
function checksum(b: Uint8Array): number {
  const words = b.length >>> 2;
  const w = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, words) : new Uint32Array(b.slice(0, words * 4).buffer);
  let x = 0x811c9dc5;
  for (let i = 0; i < words; i++) x = Math.imul(x ^ w[i]!, 0x01000193) >>> 0;
  for (let i = words * 4; i < b.length; i++) x = Math.imul(x ^ b[i]!, 0x01000193) >>> 0;
  return x;
}

/** Options saved in a blob must equal the ones the caller asks for. */
export function checkSameOptions(saved: unknown, wanted: unknown): void {
  if (stringifyExact(saved) !== stringifyExact(wanted)) {
    throw new ConfigError('options', `differ from the saved state's (${stringifyExact(saved)})`);
  }
}
