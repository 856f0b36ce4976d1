import { defineConfig } from 'vitest/config';

// The heavy tests (200,000-bar differential runs, spawned `chan serve` processes) take a few
// seconds on a fast machine; CI machines can be several times slower than that.
// Compiled copies of the tests (a `tsc -p tsconfig.json` without --noEmit writes them to dist/) are not run.
export default defineConfig({
  test: { testTimeout: 60_000, exclude: ['**/node_modules/**', 'dist/**'] },
});
