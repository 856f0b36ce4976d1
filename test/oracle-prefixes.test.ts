// chan.py at many prefixes: its batch output on bars[0:n] for 151 lengths n of each real series
// (with the divergence rate 0.9, the product default, the new-pen files hold the structures too).
// Some rule changes alter what an engine shows part-way through a series but not at its end, so
// both engines are held to every prefix: in batch on the prefix, and as the streaming snapshot when
// the stream reaches n.
import { describe, expect, it } from 'vitest';
import { barAt, sliceBars } from '../src/core/bars.js';
import type { PenDefinition } from '../src/core/options.js';
import type { AnalysisResult } from '../src/core/types.js';
import { StreamingAnalyzer } from '../src/streaming/analyzer.js';
import { ENGINES, KERNELS } from './support/engines.js';
import { fixtureBars } from './support/helpers.js';
import { oraclePenRows, oracleSegmentRows, penRows, readPrefixOracle, segmentRows, type OracleEntry } from './support/oracle.js';
import { oracleStructureRows, structureRows, type StructureEntry } from './support/structures-oracle.js';

const FILES = [
  ['sse_000001_1d_20061106_20200716', 'new_3kline', 'chanpy_newpen_prefixes_div09'],
  ['msft_1d_19900102_20220310', 'new_3kline', 'chanpy_newpen_prefixes_div09'],
  ['msft_1d_19900102_20220310', 'traditional', 'chanpy_traditional_prefixes'],
  ['spy_1h_19980102_20210331', 'new_3kline', 'chanpy_newpen_prefixes_div09'],
] as const;

/** Everything of one prefix that chan.py reports, ours and its, side by side (one diff shows all). */
function compare(r: AnalysisResult, o: OracleEntry & Partial<StructureEntry>): void {
  const structures = o.pen_pivots !== undefined;
  expect({
    n: r.barCount,
    merged: r.merged.count,
    pens: penRows(r),
    segments: segmentRows(r),
    ...(structures && { structures: structureRows(r) }),
  }).toEqual({
    n: o.n,
    merged: o.merged_count,
    pens: oraclePenRows(o),
    segments: oracleSegmentRows(o),
    ...(structures && { structures: oracleStructureRows(o as StructureEntry) }),
  });
}

describe.each(FILES)('%s, %s pen: chan.py on every prefix', (series, definition, oracle) => {
  const bars = fixtureBars(series);
  const o = readPrefixOracle(`${series}.${oracle}.json.gz`);
  const options = { pen: { definition: definition as PenDefinition } };

  it('the oracle covers the series: 151 prefixes, the whole series last (with the structures in the new-pen files)', () => {
    expect(o.entries.length).toBe(151);
    expect(o.entries.every((e) => 'pen_pivots' in e)).toBe(definition === 'new_3kline');
    expect(o.raw_bar_count).toBe(bars.timestamp.length);
    expect(o.entries.map((e) => e.n)).toEqual([...o.prefixes].sort((a, b) => a - b));
    expect(o.entries.at(-1)!.n).toBe(bars.timestamp.length);
  });

  it.each(ENGINES)('$name engine, batch on each prefix', (engine) => {
    for (const e of o.entries) compare(engine.analyze(sliceBars(bars, 0, e.n), options), e);
  });

  it.each(KERNELS.map((k) => [k.engine, k] as const))(
    '%s kernel, the streaming snapshot when the stream reaches each prefix',
    (_name, kernel) => {
      const s = new StreamingAnalyzer(options, { kernel });
      let next = 0;
      for (let i = 0; next < o.entries.length; i++) {
        s.append(barAt(bars, i));
        if (i + 1 === o.entries[next]!.n) compare(s.snapshot(), o.entries[next++]!);
      }
    },
  );
});
