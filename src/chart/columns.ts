// A numeric column as the chart file stores it: integers at a fixed number of decimals, each the
// difference from the previous one, written as base-64 VLQ digits (as in source maps: 5 bits per
// character, small numbers in one or two). Bar times take 1 character per bar and prices 2 to 3,
// where JSON numbers took 3 to 20: a 239,550-bar chart stays a few MB. Decoded by the page.

export interface DeltaColumn {
  /** Values are stored as round(v * 10^digits); negative digits store multiples of 10^-digits. */
  readonly digits: number;
  readonly count: number;
  /** The differences, VLQ-encoded. */
  readonly vlq: string;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The largest |value| a column holds, so differences (twice that, sign bit included) stay exact doubles. */
const SAFE = 2 ** 51;

/**
 * The fewest decimals (from -9 to `max`) at which every value of `values[from..to)` is stored
 * exactly: bar times in ms give -4 for minute bars, prices read from "3012.35" give 2. For values
 * that are no short decimals (computed ones), `max`: they are rounded to that many decimals.
 */
export function exactDigits(values: ArrayLike<number>, from = 0, to = values.length, max = 8): number {
  const top = safeDigits(values, from, to, max);
  for (let d = -9; d < top; d++) {
    let exact = true;
    // A decimal read from text is the double nearest it, and so is round(v * 10^d) / 10^d: equal when d decimals hold v.
    for (let i = from; i < to && exact; i++) exact = unscaled(Math.round(scaled(values[i]!, d)), d) === values[i];
    if (exact) return d;
  }
  return top;
}

/** Decimals keeping `significant` digits of the largest |value| (for values that are not decimals, the MACD). */
export function significantDigits(values: ArrayLike<number>, from = 0, to = values.length, significant = 5): number {
  let peak = 0;
  for (let i = from; i < to; i++) if (Number.isFinite(values[i]!)) peak = Math.max(peak, Math.abs(values[i]!));
  if (peak === 0) return 0;
  return Math.min(safeDigits(values, from, to, 12), Math.max(-9, significant - Math.ceil(Math.log10(peak))));
}

/** The most decimals (up to `max`) at which every |value| * 10^digits stays within SAFE. */
function safeDigits(values: ArrayLike<number>, from: number, to: number, max: number): number {
  let peak = 0;
  for (let i = from; i < to; i++) if (Number.isFinite(values[i]!)) peak = Math.max(peak, Math.abs(values[i]!));
  let d = max;
  while (d > -9 && peak * 10 ** d > SAFE) d--;
  return d;
}

const scaled = (v: number, digits: number) => (digits >= 0 ? v * 10 ** digits : v / 10 ** -digits);
// Division by 10^d gives the double nearest the decimal (multiplying by 10^-d would not).
const unscaled = (q: number, digits: number) => (digits >= 0 ? q / 10 ** digits : q * 10 ** -digits);

export function encodeColumn(values: ArrayLike<number>, digits: number, from = 0, to = values.length): DeltaColumn {
  const parts: string[] = [];
  let last = 0;
  for (let i = from; i < to; i++) {
    const q = Math.round(scaled(values[i]!, digits));
    if (!Number.isFinite(q)) throw new RangeError(`value ${values[i]} at ${i} cannot be charted`);
    let z = q >= last ? (q - last) * 2 : (last - q) * 2 + 1;
    last = q;
    let s = '';
    do {
      const digit = z % 32;
      z = Math.floor(z / 32);
      s += B64[z > 0 ? digit + 32 : digit];
    } while (z > 0);
    parts.push(s);
  }
  return { digits, count: Math.max(0, to - from), vlq: parts.join('') };
}

const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DIGIT[B64.charCodeAt(i)] = i;

export function decodeColumn(c: DeltaColumn): Float64Array {
  const out = new Float64Array(c.count);
  const s = c.vlq;
  const unit = 10 ** Math.abs(c.digits);
  const divide = c.digits >= 0;
  let acc = 0,
    pos = 0;
  for (let i = 0; i < c.count; i++) {
    let z = 0,
      mult = 1,
      digit: number;
    do {
      digit = DIGIT[s.charCodeAt(pos++)]!;
      if (digit < 0) throw new RangeError(`chart data: bad character at ${pos - 1}`);
      z += (digit & 31) * mult;
      mult *= 32;
    } while (digit & 32);
    acc += z % 2 === 1 ? -(z - 1) / 2 : z / 2;
    out[i] = divide ? acc / unit : acc * unit; // as unscaled()
  }
  if (pos !== s.length) throw new RangeError(`chart data: ${s.length - pos} characters left over`);
  return out;
}
