// JSON written in pieces: a large analysis goes to stdout as it is serialised, never as one string
// (its JSON is ~120 bytes per bar). The text is exactly JSON.stringify's, with typed arrays written as
// arrays and non-finite numbers as null.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const CHUNK = 1 << 16;
/** Typed-array elements formatted at once (~100 KB of text). */
const SLICE = 8192;

/** The JSON text of `value` in pieces of about 64 KB. */
export function* jsonChunks(value: unknown): Generator<string> {
  let buf = '';
  function* put(s: string): Generator<string> {
    buf += s;
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  function* walk(v: unknown): Generator<string> {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as unknown as Float64Array;
      yield* put('[');
      // Slices joined by the engine's own number formatting (String(x) for each: the same text,
      // several times faster than concatenating), element by element where one is not finite.
      for (let i = 0; i < a.length; i += SLICE) {
        const part = a.subarray(i, i + SLICE);
        yield* put((i > 0 ? ',' : '') + (allFinite(part) ? part.join(',') : Array.from(part, number).join(',')));
      }
      yield* put(']');
    } else if (Array.isArray(v)) {
      yield* put('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) yield* put(',');
        yield* walk(v[i] === undefined || typeof v[i] === 'function' ? null : v[i]);
      }
      yield* put(']');
    } else if (v === null || typeof v !== 'object' || isFlat(v)) {
      // A number, string..., or an object of such values: JSON.stringify's text is the same.
      yield* put(typeof v === 'number' ? number(v) : JSON.stringify(v));
    } else {
      yield* put('{');
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === 'function') continue;
        yield* put(`${first ? '' : ','}${JSON.stringify(k)}:`);
        first = false;
        yield* walk(x);
      }
      yield* put('}');
    }
  }
  yield* walk(value);
  if (buf !== '') yield buf;
}

/** A plain object whose values are primitives or plain arrays of primitives (a pen, a point). */
function isFlat(v: object): boolean {
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return true;
  for (const x of Object.values(v)) {
    if (x !== null && typeof x === 'object' && !(Array.isArray(x) && x.every((e) => e === null || typeof e !== 'object'))) return false;
  }
  return true;
}

const number = (v: number) => (Number.isFinite(v) ? String(v) : 'null');

function allFinite(a: Float64Array): boolean {
  // x * 0 is 0 for a finite x and NaN otherwise.
  let z = 0;
  for (let i = 0; i < a.length; i++) z += a[i]! * 0;
  return z === 0;
}

/** Writes the JSON of `value` and a newline to `out`, waiting whenever the stream asks to. */
export async function writeJson(out: Writable, value: unknown): Promise<void> {
  for (const chunk of jsonChunks(value)) if (!out.write(chunk)) await once(out, 'drain');
  if (!out.write('\n')) await once(out, 'drain');
}
