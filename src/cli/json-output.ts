// JSON written in pieces: a large analysis goes to stdout as it is serialised, never as one string
// (its JSON is ~120 bytes per bar). The text is exactly JSON.stringify's, with typed arrays written as
// arrays and non-finite numbers as null. Long runs are serialised a slice at a time by the engine's
// own JSON.stringify (several times faster than one element at a time, most so in a short-lived CLI).
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const CHUNK = 1 << 16;
/** Elements serialised at once (~50-100 KB of text). */
const SLICE = 4096;

/** The JSON text of `value` in pieces of about 64 KB. */
export function* jsonChunks(value: unknown): Generator<string> {
  let buf = '';
  const full = () => buf.length >= CHUNK;
  function* walk(v: unknown): Generator<string> {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as unknown as Float64Array;
      const floats = v instanceof Float64Array || v instanceof Float32Array;
      buf += '[';
      for (let i = 0; i < a.length; i += SLICE) {
        const part = a.subarray(i, i + SLICE);
        // Integers are finite and join writes them as JSON does; floats go through JSON.stringify (NaN as null).
        buf += (i > 0 ? ',' : '') + (floats ? JSON.stringify(Array.from(part)).slice(1, -1) : part.join(','));
        if (full()) yield* flush();
      }
      buf += ']';
    } else if (Array.isArray(v)) {
      buf += '[';
      for (let i = 0; i < v.length; i += SLICE) {
        const part = v.slice(i, i + SLICE);
        if (i > 0) buf += ',';
        if (part.every(isFlat)) buf += JSON.stringify(part).slice(1, -1);
        else
          for (let j = 0; j < part.length; j++) {
            if (j > 0) buf += ',';
            yield* walk(part[j] === undefined || typeof part[j] === 'function' ? null : part[j]);
          }
        if (full()) yield* flush();
      }
      buf += ']';
    } else if (isFlat(v)) {
      buf += JSON.stringify(v) ?? 'null';
    } else {
      buf += '{';
      let first = true;
      for (const [k, x] of Object.entries(v as object)) {
        if (x === undefined || typeof x === 'function') continue;
        buf += `${first ? '' : ','}${JSON.stringify(k)}:`;
        first = false;
        yield* walk(x);
      }
      buf += '}';
    }
    if (full()) yield* flush();
  }
  function* flush(): Generator<string> {
    yield buf;
    buf = '';
  }
  yield* walk(value);
  if (buf !== '') yield buf;
}

/**
 * A value JSON.stringify writes as this module would: a primitive, or a plain object or array of
 * primitives or of plain arrays of primitives (a pen, a point), or anything with toJSON.
 */
function isFlat(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (ArrayBuffer.isView(v)) return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return true;
  for (const x of Object.values(v)) {
    if (x !== null && typeof x === 'object' && !(Array.isArray(x) && x.every((e) => e === null || typeof e !== 'object'))) return false;
  }
  return true;
}

/** Writes the JSON of `value` and a newline to `out`, waiting whenever the stream asks to. */
export async function writeJson(out: Writable, value: unknown): Promise<void> {
  for (const chunk of jsonChunks(value)) if (!out.write(chunk)) await once(out, 'drain');
  if (!out.write('\n')) await once(out, 'drain');
}
