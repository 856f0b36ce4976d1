// The generators only produce valid series (an invalid one would make the property tests test
// validation instead of the engines).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { validateBars } from '../src/core/validate.js';
import { anySeries } from './support/arbitraries.js';

it('every generated series is valid input', () => {
  fc.assert(
    fc.property(anySeries, (b) => {
      expect(() => validateBars(b)).not.toThrow();
    }),
    { numRuns: 3000 },
  );
});
