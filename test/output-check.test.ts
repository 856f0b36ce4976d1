// The always-on output check (failover/output-check.ts): every branch has a case that triggers it, a
// valid output is never rejected, and a single changed field of the structure (any index, price,
// time, direction or flag of the merged bars' tiling, fractals, pens and segments) is always caught.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sliceBars } from '../src/core/bars.js';
import { resolveOptions, type AnalysisOptions } from '../src/core/options.js';
import type { AnalysisResult, Bars, Pen, Segment } from '../src/core/types.js';
import { tsEngine } from '../src/engines/ts/index.js';
import { checkOutput } from '../src/failover/output-check.js';
import { anySeries, macdOptions, penOptions } from './support/arbitraries.js';
import { ENGINES } from './support/engines.js';
import { fixtureBars } from './support/helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const DEFAULT = resolveOptions({});
const valid = tsEngine.analyze(SSE);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A deep copy whose pens, segments, fractals and merged columns can be changed. */
type Copy = Omit<AnalysisResult, 'pens' | 'segments'> & { pens: Mutable<Pen>[]; segments: Mutable<Segment>[] };

function copy(r: AnalysisResult): Copy {
  const m = r.merged,
    f = r.fractals;
  return {
    ...r,
    merged: {
      count: m.count,
      high: m.high.slice(),
      low: m.low.slice(),
      dir: m.dir.slice(),
      rawStart: m.rawStart.slice(),
      rawEnd: m.rawEnd.slice(),
    },
    fractals: {
      count: f.count,
      type: f.type.slice(),
      mergedIndex: f.mergedIndex.slice(),
      rawIndex: f.rawIndex.slice(),
      price: f.price.slice(),
    },
    pens: r.pens.map((p) => ({ ...p })),
    segments: r.segments.map((s) => ({ ...s })),
    macd: { ...r.macd, dif: r.macd.dif.slice(), dea: r.macd.dea.slice(), histogram: r.macd.histogram.slice() },
  };
}

const check = (r: Copy | AnalysisResult, bars: Bars = SSE, o: AnalysisOptions = DEFAULT) => checkOutput(r, bars, o);

describe('output check: each branch', () => {
  it('a valid result passes', () => {
    expect(check(valid)).toBeNull();
  });

  // [what is wrong, how to make it, the problem reported]
  const cases: [string, (r: Copy) => unknown, string][] = [
    ['bar count', (r) => Object.assign(r, { barCount: 3331 }), 'barCount 3331 != 3332 bars'],
    ['merged count', (r) => Object.assign(r.merged, { count: 0 }), 'merged count 0 out of range'],
    ['merged column length', (r) => Object.assign(r.merged, { dir: r.merged.dir.subarray(1) }), 'merged.dir has 2606 values for 2607 bars'],
    ['merged coverage', (r) => (r.merged.rawEnd[2606] = 3330), 'merged bars do not cover the raw bars'],
    ['merged values', (r) => (r.merged.low[5] = r.merged.high[5]! + 1), 'merged bar 5 has high'],
    ['merged raw range', (r) => (r.merged.rawStart[9] = r.merged.rawStart[9]! + 1), 'merged bar 9 raw range is broken'],
    ['merged direction', (r) => (r.merged.dir[3] = -r.merged.dir[3]!), 'merged bar 3 is not ordered after bar 2 as its direction says'],
    ['fractal count', (r) => Object.assign(r.fractals, { count: 1166 }), 'fractals.type has 1165 values for 1166 fractals'],
    ['fractal order', (r) => (r.fractals.mergedIndex[4] = r.fractals.mergedIndex[3]!), 'has a wrong merged index'],
    ['fractal type', (r) => (r.fractals.type[4] = -r.fractals.type[4]!), 'fractal 4 (bottom at merged bar 11) has a wrong type'],
    ['fractal price', (r) => (r.fractals.price[4] = r.fractals.price[4]! + 0.01), 'has a wrong price'],
    ['fractal apex', (r) => (r.fractals.rawIndex[4] = r.fractals.rawIndex[4]! - 1), 'has a wrong raw index'],
    [
      'missing fractal',
      (r) => {
        const f = r.fractals,
          n = f.count - 1;
        Object.assign(f, {
          count: n,
          type: f.type.subarray(0, n),
          mergedIndex: f.mergedIndex.subarray(0, n),
          rawIndex: f.rawIndex.subarray(0, n),
          price: f.price.subarray(0, n),
        });
      },
      'merged bar 2603 is a fractal missing from the list',
    ],
    ['pen index', (r) => (r.pens[3]!.index = 4), 'pen 3 has a wrong index'],
    ['pen merged range', (r) => (r.pens[3]!.endMerged = r.pens[3]!.startMerged), 'pen 3 has a wrong merged range'],
    ['pen raw end off its merged bar', (r) => (r.pens[3]!.endRaw += 3), 'pen 3 has a wrong end raw bar'],
    [
      'pen raw end inside its merged bar but not the apex',
      (r) => {
        const p = r.pens.find((q) => r.merged.rawEnd[q.endMerged]! > r.merged.rawStart[q.endMerged]!)!;
        const k = p.endMerged;
        p.endRaw = p.endRaw === r.merged.rawStart[k] ? p.endRaw + 1 : p.endRaw - 1;
      },
      'has a wrong end raw bar',
    ],
    ['pen price', (r) => (r.pens[3]!.endPrice += 1), 'pen 3 has a wrong end price'],
    ['pen time', (r) => (r.pens[3]!.endTime += 86_400_000), 'pen 3 has a wrong end time'],
    [
      'pen direction',
      (r) => (r.pens[3]!.direction = r.pens[3]!.direction === 'up' ? 'down' : 'up'),
      'pen 3 has a wrong direction: pens alternate',
    ],
    ['pen continuity', (r) => (r.pens[4]!.startMerged -= 1), 'pen 4 has a wrong start: it does not start where the previous pen ends'],
    [
      'pen end on no fractal',
      (r) => {
        const p = r.pens[3]!,
          k = p.endMerged - 1;
        Object.assign(p, { endMerged: k, endRaw: r.merged.rawEnd[k], endPrice: p.direction === 'up' ? r.merged.high[k] : r.merged.low[k] });
      },
      'pen 3 has a wrong',
    ],
    [
      'provisional pen not last',
      (r) => (r.pens[3]!.confirmed = false),
      'pen 3 has a wrong provisional flag: only the last pen may be provisional',
    ],
    ['last pen flag', (r) => (r.pens.at(-1)!.confirmed = true), `pen ${valid.pens.length - 1} has a wrong confirmed flag`],
    ['segment index', (r) => (r.segments[2]!.index = 5), 'segment 2 has index 5'],
    ['segment pens', (r) => (r.segments[2]!.startPen += 1), 'segment 2 pens'],
    ['segment end off its pen', (r) => (r.segments[2]!.endRaw += 1), 'segment 2 does not end where pen'],
    ['segment price', (r) => (r.segments[2]!.startPrice += 1), 'segment 2 does not start where pen'],
    ['segment direction', (r) => (r.segments[2]!.direction = r.segments[2]!.direction === 'up' ? 'down' : 'up'), 'segment 2 direction'],
    ['segment confirmed without an end case', (r) => (r.segments[2]!.endCase = null), 'segment 2 is confirmed without an end case'],
    ['provisional segment with an end case', (r) => (r.segments.at(-1)!.endCase = 1), 'has an end case'],
    [
      'confirmed segment of fewer than 3 pens',
      (r) => {
        const s = r.segments.at(-1)!;
        Object.assign(s, { confirmed: true, endCase: 1 });
      },
      `segment ${valid.segments.length - 1}`,
    ],
    ['MACD length', (r) => Object.assign(r.macd, { dif: r.macd.dif.subarray(1) }), 'MACD length mismatch'],
    ['MACD value', (r) => (r.macd.histogram[3331] = NaN), 'MACD value at bar 3331 is not finite'],
  ];

  it.each(cases)('%s', (_what, corrupt, message) => {
    const r = copy(valid);
    corrupt(r);
    expect(check(r)).toContain(message);
  });
});

describe.each(ENGINES)('output check on $name engine results', (engine) => {
  it('a valid output is never rejected (random series x every option combination)', () => {
    fc.assert(
      fc.property(anySeries, penOptions, macdOptions, (bars, pen, macd) => {
        const o = resolveOptions({ pen, macd });
        expect(checkOutput(engine.analyze(bars, o), bars, o)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('every prefix of a real series passes (the last pen provisional, extended or confirmed)', () => {
    for (let n = 10; n <= 800; n++) {
      const bars = sliceBars(SSE, 0, n);
      expect(checkOutput(engine.analyze(bars), bars, DEFAULT), `prefix ${n}`).toBeNull();
    }
  });
});

/** Every field of the structure, as [path, mutate]: the mutation changes that one field. */
function mutations(r: AnalysisResult): [string, (c: Copy) => void][] {
  const out: [string, (c: Copy) => void][] = [];
  const flip = (d: 'up' | 'down') => (d === 'up' ? 'down' : 'up');
  r.pens.forEach((p, i) => {
    for (const k of ['index', 'startMerged', 'endMerged', 'startRaw', 'endRaw'] as const) {
      out.push([`pens[${i}].${k}+1`, (c) => void (c.pens[i]![k] += 1)], [`pens[${i}].${k}-1`, (c) => void (c.pens[i]![k] -= 1)]);
    }
    for (const k of ['startPrice', 'endPrice'] as const) out.push([`pens[${i}].${k}`, (c) => void (c.pens[i]![k] += 0.01)]);
    for (const k of ['startTime', 'endTime'] as const) out.push([`pens[${i}].${k}`, (c) => void (c.pens[i]![k] += 1)]);
    out.push([`pens[${i}].direction`, (c) => void (c.pens[i]!.direction = flip(p.direction))]);
    out.push([`pens[${i}].confirmed`, (c) => void (c.pens[i]!.confirmed = !p.confirmed)]);
  });
  r.segments.forEach((s, j) => {
    for (const k of ['index', 'startPen', 'endPen', 'startRaw', 'endRaw'] as const) {
      out.push(
        [`segments[${j}].${k}+1`, (c) => void (c.segments[j]![k] += 1)],
        [`segments[${j}].${k}-1`, (c) => void (c.segments[j]![k] -= 1)],
      );
    }
    for (const k of ['startPrice', 'endPrice'] as const) out.push([`segments[${j}].${k}`, (c) => void (c.segments[j]![k] += 0.01)]);
    for (const k of ['startTime', 'endTime'] as const) out.push([`segments[${j}].${k}`, (c) => void (c.segments[j]![k] += 1)]);
    out.push([`segments[${j}].direction`, (c) => void (c.segments[j]!.direction = flip(s.direction))]);
    out.push([`segments[${j}].confirmed`, (c) => void (c.segments[j]!.confirmed = !s.confirmed)]);
    // Any other end case, except swapping 1 and 2 of a confirmed segment (see docs/failover.md).
    for (const e of [1, 2, null] as const) {
      if (e !== s.endCase && !(s.confirmed && e !== null))
        out.push([`segments[${j}].endCase=${e}`, (c) => void (c.segments[j]!.endCase = e)]);
    }
  });
  for (let j = 0; j < r.fractals.count; j++) {
    out.push([`fractals[${j}].type`, (c) => void (c.fractals.type[j] = -c.fractals.type[j]!)]);
    out.push(
      [`fractals[${j}].mergedIndex+1`, (c) => void (c.fractals.mergedIndex[j]! += 1)],
      [`fractals[${j}].mergedIndex-1`, (c) => void (c.fractals.mergedIndex[j]! -= 1)],
    );
    out.push(
      [`fractals[${j}].rawIndex+1`, (c) => void (c.fractals.rawIndex[j]! += 1)],
      [`fractals[${j}].rawIndex-1`, (c) => void (c.fractals.rawIndex[j]! -= 1)],
    );
    out.push([`fractals[${j}].price`, (c) => void (c.fractals.price[j]! += 0.01)]);
  }
  for (let k = 0; k < r.merged.count; k++) {
    out.push([`merged.dir[${k}]`, (c) => void (c.merged.dir[k] = -c.merged.dir[k]!)]);
    out.push(
      [`merged.rawStart[${k}]+1`, (c) => void (c.merged.rawStart[k]! += 1)],
      [`merged.rawEnd[${k}]-1`, (c) => void (c.merged.rawEnd[k]! -= 1)],
    );
  }
  return out;
}

describe('output check: a single changed field of the structure is always caught', () => {
  it('every field of the SSE daily result (pens, segments, fractals, merged tiling), one at a time', () => {
    const missed = mutations(valid).filter(([, mutate]) => {
      const c = copy(valid);
      mutate(c);
      return check(c) === null;
    });
    expect(missed.map(([path]) => path)).toEqual([]);
  });

  it.each(ENGINES)('random series x options, one random field ($name engine)', (engine) => {
    fc.assert(
      fc.property(anySeries, penOptions, fc.nat(), (bars, pen, pick) => {
        const o = resolveOptions({ pen });
        const r = engine.analyze(bars, o);
        const all = mutations(r);
        fc.pre(all.length > 0);
        const [path, mutate] = all[pick % all.length]!;
        const c = copy(r);
        mutate(c);
        expect(checkOutput(c as AnalysisResult, bars, o), path).not.toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});
