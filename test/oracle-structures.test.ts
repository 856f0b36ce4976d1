// Real data: every segment of segments, pivot and buy/sell point (every field, floats exactly) equals
// chan.py's, with its code defaults (divergence_rate .inf) and with the product default 0.9, on the
// three real series; and on three synthetic random walks on a coarse tick that reach the tie cases
// real series rarely do. Both engines.
import { describe, expect, it } from 'vitest';
import { parseBarsCsv } from '../src/core/csv.js';
import type { AnalysisResult } from '../src/core/types.js';
import { ENGINES } from './support/engines.js';
import { fixtureBars, fixtureText, REAL_SERIES } from './support/helpers.js';
import { oracleStructureRows, readStructureOracle, structureRows } from './support/structures-oracle.js';

const CASES = [
  ...REAL_SERIES.flatMap((s) => [
    [s, `${s}.chanpy_newpen_structures.json.gz`],
    [s, `${s}.chanpy_newpen_structures_div09.json.gz`],
  ]),
  ...['rw_seed100_tick1_10000', 'rw_seed104_tick1_10000', 'rw_seed11_tick05_400'].map((s) => [s, `${s}.chanpy_newpen_structures.json.gz`]),
] as const;

// Pen pivots, segment pivots, pen points, segment points with chan.py's code defaults (data/README.md).
const COUNTS: Record<string, number[]> = {
  sse_000001_1d_20061106_20200716: [26, 2, 46, 0],
  msft_1d_19900102_20220310: [64, 4, 124, 7],
  spy_1h_19980102_20210331: [257, 37, 572, 74],
};

const barsOf = (series: string) => (series.startsWith('rw_') ? parseBarsCsv(fixtureText(`${series}.csv.gz`)) : fixtureBars(series));

describe.each(ENGINES)('$name engine: structures equal chan.py', (engine) => {
  it.each(CASES)('%s (%s)', (series, file) => {
    const o = readStructureOracle(file);
    const r: AnalysisResult = engine.analyze(barsOf(series), o.options);
    const ours = structureRows(r);
    const theirs = oracleStructureRows(o);
    // Field by field, so a difference names its list.
    expect(ours.segmentsOfSegments).toEqual(theirs.segmentsOfSegments);
    expect(ours.penPivots).toEqual(theirs.penPivots);
    expect(ours.segmentPivots).toEqual(theirs.segmentPivots);
    expect(ours.penPoints).toEqual(theirs.penPoints);
    expect(ours.segmentPoints).toEqual(theirs.segmentPoints);
    const counts = [r.pivots.pen.length, r.pivots.segment.length, r.buySellPoints.pen.length, r.buySellPoints.segment.length];
    if (file.endsWith('_structures.json.gz') && COUNTS[series] !== undefined) expect(counts).toEqual(COUNTS[series]);
  });
});
