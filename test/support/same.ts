// Two analysis results are the same: every index and flag equal, every float equal bit for bit.
import { expect } from 'vitest';
import type { AnalysisResult } from '../../src/core/types.js';
import { stringifyExact } from '../../src/streaming/state-blob.js';

type Column = Float64Array | Int32Array | Int8Array | Uint8Array;

/** Bytes of a column, so -0/0 and NaN payloads count as differences. */
const bytes = (a: Column) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
export const bits = (a: Column) => bytes(a).toString('hex');

const columns = (r: AnalysisResult): Column[] => [
  r.merged.high,
  r.merged.low,
  r.merged.dir,
  r.merged.rawStart,
  r.merged.rawEnd,
  r.fractals.type,
  r.fractals.mergedIndex,
  r.fractals.rawIndex,
  r.fractals.price,
  r.macd.dif,
  r.macd.dea,
  r.macd.histogram,
  ...penColumns(r),
];

const penColumns = ({ penColumns: p }: AnalysisResult): Column[] => [
  p.direction,
  p.startMerged,
  p.endMerged,
  p.startRaw,
  p.endRaw,
  p.startPrice,
  p.endPrice,
  p.startTime,
  p.endTime,
  p.confirmed,
];

/** Quick byte-level equality; only a difference is worth a detailed (slower) comparison. */
function equalFast(a: AnalysisResult, b: AnalysisResult): boolean {
  if (a.barCount !== b.barCount || a.merged.count !== b.merged.count || a.fractals.count !== b.fractals.count) return false;
  if (a.penColumns.count !== b.penColumns.count) return false;
  if (a.macd.firstValid !== b.macd.firstValid) return false;
  const ca = columns(a),
    cb = columns(b);
  for (let i = 0; i < ca.length; i++) if (!bytes(ca[i]!).equals(bytes(cb[i]!))) return false;
  return stringifyExact(objects(a)) === stringifyExact(objects(b));
}

/** The parts of a result held as objects (numbers compared exactly: NaN, Infinity and -0 included). */
const objects = (r: AnalysisResult) => [r.pens, r.segments, r.segmentsOfSegments, r.pivots, r.buySellPoints];

export function expectSame(actual: AnalysisResult, expected: AnalysisResult, where = ''): void {
  if (equalFast(actual, expected)) return;
  expect(actual.barCount, where).toBe(expected.barCount);
  expect(actual.pens, where).toEqual(expected.pens);
  expect(actual.segments, where).toEqual(expected.segments);
  expect(actual.segmentsOfSegments, where).toEqual(expected.segmentsOfSegments);
  expect(actual.pivots, where).toEqual(expected.pivots);
  expect(actual.buySellPoints, where).toEqual(expected.buySellPoints);
  expect(stringifyExact(objects(actual)), where).toBe(stringifyExact(objects(expected)));
  expect(actual.fractals, where).toEqual(expected.fractals);
  expect(actual.merged, where).toEqual(expected.merged);
  expect(actual.macd.firstValid, where).toBe(expected.macd.firstValid);
  expect(actual.penColumns.count, where).toBe(expected.penColumns.count);
  const ca = columns(actual),
    ce = columns(expected);
  for (let i = 0; i < ca.length; i++) expect(bits(ca[i]!), `${where} column ${i}`).toBe(bits(ce[i]!));
  throw new Error(`${where}: results differ`);
}
