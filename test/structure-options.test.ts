// Options of the structures: defaults (chan.py's code defaults but the divergence rate 0.9), per
// level and side, the same in YAML and in code, and a ConfigError naming the key for a bad value.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { ConfigError } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import { DEFAULT_STRUCTURE_OPTIONS, resolveStructureOptions } from '../src/core/structure-options.js';
import { analyze } from '../src/engines/ts/pipeline.js';
import { barAt, sliceBars } from '../src/core/bars.js';
import { checkOutput } from '../src/failover/output-check.js';
import { StreamingAnalyzer } from '../src/streaming/analyzer.js';
import { ENGINES, KERNELS } from './support/engines.js';
import { fixtureBars, REAL_SERIES, thrown } from './support/helpers.js';

const DEFAULT = readFileSync(new URL('../config/default.yaml', import.meta.url), 'utf8');
const configError = (run: () => unknown) => thrown(run, ConfigError);

describe('structure options', () => {
  it("defaults: chan.py's code defaults, but the divergence rate 0.9; bsp1_only_multi_line_pivot differs by level as chan.py resolves it", () => {
    const pen = DEFAULT_STRUCTURE_OPTIONS.points.pen.buy;
    expect(pen).toEqual({
      divergenceRate: 0.9,
      minPivotCount: 1,
      bsp1OnlyMultiLinePivot: true,
      maxBsp2Rate: 0.9999,
      bsp1Peak: true,
      bsp2Follow1: true,
      bsp3Follow1: true,
      bsp3Peak: false,
      bsp2sFollow2: false,
      maxBsp2sLevel: null,
      strictBsp3: false,
      bsp3aMaxPivotCount: 1,
      types: ['1', '1p', '2', '2s', '3a', '3b'],
    });
    expect(DEFAULT_STRUCTURE_OPTIONS.points.pen.sell).toEqual(pen);
    expect(DEFAULT_STRUCTURE_OPTIONS.points.segment.buy).toEqual({ ...pen, bsp1OnlyMultiLinePivot: false });
    expect(DEFAULT_STRUCTURE_OPTIONS.combinePivots).toBe(true);
    expect(DEFAULT_STRUCTURE_OPTIONS.enabled).toBe(true);
    expect(resolveOptions({}).structures).toEqual(DEFAULT_STRUCTURE_OPTIONS);
  });

  it('the bundled default.yaml states the same defaults, and YAML reads like code (.inf is Infinity, types as a list or a string)', () => {
    expect(parseConfig(DEFAULT).analysis.structures).toEqual(DEFAULT_STRUCTURE_OPTIONS);
    expect(parseConfig('').analysis.structures).toEqual(DEFAULT_STRUCTURE_OPTIONS);
    const yaml = `
structures:
  combine_pivots: false
  points:
    pen:
      divergence_rate: .inf
      types: [1, 2, 3b]
      sell:
        divergence_rate: 0.5
        max_bsp2s_level: 2
    segment:
      types: "2s, 3a"
`;
    const code = resolveStructureOptions({
      combinePivots: false,
      points: {
        pen: { divergenceRate: Infinity, types: ['1', '2', '3b'], sell: { divergenceRate: 0.5, maxBsp2sLevel: 2 } },
        segment: { types: ['2s', '3a'] },
      },
    });
    const s = parseConfig(yaml).analysis.structures;
    expect(s).toEqual(code);
    expect(s.points.pen.buy.divergenceRate).toBe(Infinity);
    expect(s.points.pen.sell.divergenceRate).toBe(0.5);
    expect(s.points.pen.sell.types).toEqual(['1', '2', '3b']);
    expect(s.points.pen.buy.maxBsp2sLevel).toBe(null);
    expect(s.points.segment.sell.types).toEqual(['2s', '3a']);
  });

  it('enabled: false leaves the structures out (batch and streaming, both engines) and keeps the rest equal', () => {
    const b = fixtureBars(REAL_SERIES[0]);
    const off = { structures: { enabled: false } };
    expect(parseConfig('structures: { enabled: false }').analysis).toEqual(resolveOptions(off));
    for (const engine of ENGINES) {
      const on = engine.analyze(b),
        r = engine.analyze(b, off);
      expect([r.segmentsOfSegments, r.pivots, r.buySellPoints]).toEqual([[], { pen: [], segment: [] }, { pen: [], segment: [] }]);
      expect([r.pens, r.segments, r.merged]).toEqual([on.pens, on.segments, on.merged]);
      expect(checkOutput(r, b, resolveOptions(off))).toBeNull();
    }
    for (const kernel of KERNELS) {
      const s = new StreamingAnalyzer(off, { kernel });
      let structureEvents = 0;
      for (let i = 0; i < 800; i++) structureEvents += s.append(barAt(b, i)).events.filter((e) => 'level' in e).length;
      expect(structureEvents).toBe(0);
      expect(s.snapshot()).toEqual(analyze(sliceBars(b, 0, 800), off));
    }
  });

  it('types are kept in the canonical order without repeats', () => {
    expect(resolveStructureOptions({ points: { pen: { types: ['3b', '1', '3b'] } } }).points.pen.buy.types).toEqual(['1', '3b']);
  });

  it.each([
    ['structures: { combine_pivots: yes please }', 'structures.combine_pivots'],
    ['structures: { enabled: 1 }', 'structures.enabled'],
    ['structures: { zs_algo: normal }', 'structures.zs_algo'],
    ['structures: { points: { bi: {} } }', 'structures.points.bi'],
    ['structures: { points: { pen: { divergence_rate: 0 } } }', 'structures.points.pen.divergence_rate'],
    ['structures: { points: { pen: { divergence_rate: nope } } }', 'structures.points.pen.divergence_rate'],
    ['structures: { points: { pen: { max_bsp2_rate: 1.5 } } }', 'structures.points.pen.max_bsp2_rate'],
    ['structures: { points: { pen: { max_bsp2_rate: 0 } } }', 'structures.points.pen.max_bsp2_rate'],
    ['structures: { points: { segment: { min_pivot_count: -1 } } }', 'structures.points.segment.min_pivot_count'],
    ['structures: { points: { pen: { buy: { bsp1_peak: 1 } } } }', 'structures.points.pen.buy.bsp1_peak'],
    ['structures: { points: { pen: { sell: { max_bsp2s_level: 0 } } } }', 'structures.points.pen.sell.max_bsp2s_level'],
    ['structures: { points: { pen: { bsp3a_max_pivot_count: 0 } } }', 'structures.points.pen.bsp3a_max_pivot_count'],
    ['structures: { points: { pen: { types: [1, 4] } } }', 'structures.points.pen.types'],
    ['structures: { points: { pen: { buy: { buy: {} } } } }', 'structures.points.pen.buy.buy'],
    ['structures: { points: { pen: { strict_bsp: true } } }', 'structures.points.pen.strict_bsp'],
  ])('YAML %s: ConfigError naming %s', (yaml, key) => {
    expect(configError(() => parseConfig(yaml)).key).toBe(key);
  });

  it('in code too, with the same keys and messages', () => {
    const e = configError(() => resolveOptions({ structures: { points: { segment: { buy: { maxBsp2Rate: 2 } } } } }));
    expect(e.message).toBe('config structures.points.segment.buy.max_bsp2_rate: must be a number above 0 and at most 1, got 2');
    expect(configError(() => resolveOptions({ structures: { points: { pen: { types: ['1', 'x'] as never } } } })).message).toBe(
      'config structures.points.pen.types: must be a list of 1, 1p, 2, 2s, 3a, 3b, got "1,x"',
    );
    expect(configError(() => resolveOptions({ structures: { points: { pen: { divergenceRate: -1 } } } })).key).toBe(
      'structures.points.pen.divergence_rate',
    );
  });

  it('the options reach the result: types filter what is reported, per side; combination off keeps touching pivots apart', () => {
    const b = fixtureBars(REAL_SERIES[1]);
    const all = analyze(b, { structures: { points: { pen: { divergenceRate: Infinity } } } });
    const no2 = analyze(b, { structures: { points: { pen: { divergenceRate: Infinity, types: ['1', '1p', '3a', '3b'] } } } });
    expect(no2.buySellPoints.pen.length).toBeGreaterThan(0);
    expect(no2.buySellPoints.pen.some((p) => p.types.includes('2') || p.types.includes('2s'))).toBe(false);
    const with3 = (r: typeof all) => r.buySellPoints.pen.filter((p) => p.types.includes('3a') || p.types.includes('3b')).map((p) => p.line);
    expect(with3(no2)).toEqual(with3(all));
    // bsp3_follow_1 asks for a stored type-1 point (chan.py): without type 1 reported, no type 3 either.
    const only3 = analyze(b, { structures: { points: { pen: { divergenceRate: Infinity, types: ['3a', '3b'] } } } });
    expect(only3.buySellPoints.pen).toEqual([]);
    const unfollowed = analyze(b, {
      structures: { points: { pen: { divergenceRate: Infinity, types: ['3a', '3b'], bsp3Follow1: false } } },
    });
    expect(unfollowed.buySellPoints.pen.length).toBeGreaterThan(with3(all).length);
    const buyOnly = analyze(b, { structures: { points: { pen: { divergenceRate: Infinity, sell: { types: [] } } } } });
    expect(buyOnly.buySellPoints.pen.every((p) => p.side === 'buy')).toBe(true);
    expect(buyOnly.buySellPoints.pen.length).toBe(all.buySellPoints.pen.filter((p) => p.side === 'buy').length);
    // SPY hourly has one combination at each level (257 and 37 pivots combined, 258 and 38 without).
    const spy = fixtureBars(REAL_SERIES[2]);
    const [on, off] = [true, false].map((combinePivots) => analyze(spy, { structures: { combinePivots } }));
    expect([on!.pivots.pen.length, on!.pivots.segment.length]).toEqual([257, 37]);
    expect([off!.pivots.pen.length, off!.pivots.segment.length]).toEqual([258, 38]);
  });
});
