// The SQLite bar store on its own: revisions, idempotency, history protection, schema versions.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BarValidationError } from '../src/core/errors.js';
import { BarStore } from '../src/service/bar-store.js';
import { HistoryConflictError } from '../src/core/errors.js';
import { hl } from './support/helpers.js';
import { tempDir } from './support/service-helpers.js';

const bars = hl([
  [10, 9],
  [11, 10],
  [12, 11],
  [11, 10],
]); // timestamps 0, 60000, 120000, 180000
const head = hl([
  [10, 9],
  [11, 10],
]);

function caught(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('BarStore', () => {
  it('revision rises only when a write changes the series; series are independent', () => {
    const s = new BarStore(join(tempDir(), 'a.db'));
    expect(s.info('X', 'M1')).toBeNull();
    expect(s.submit('X', 'M1', head)).toEqual({ inserted: 2, updated: 0, unchanged: 0, revision: 1, count: 2, lastTimestamp: 60_000 });
    expect(s.submit('X', 'M1', head)).toEqual({ inserted: 0, updated: 0, unchanged: 2, revision: 1, count: 2, lastTimestamp: 60_000 });
    expect(s.submit('X', 'M1', bars)).toMatchObject({ inserted: 2, unchanged: 2, revision: 2, count: 4 });
    expect(s.submit('X', 'M5', head)).toMatchObject({ inserted: 2, revision: 1, count: 2 });
    expect(s.stats()).toMatchObject({ series: 2, bars: 6 });
    expect(Array.from(s.load('X', 'M1')!.bars.high)).toEqual([10, 11, 12, 11]);
    s.close();
  });

  it('a rejected batch writes nothing, even when its first bars were new', () => {
    const s = new BarStore(join(tempDir(), 'b.db'));
    s.submit('X', 'M1', bars);
    const before = s.info('X', 'M1');
    const changed = hl([
      [11, 10],
      [12.5, 11],
      [11, 10],
      [13, 12],
    ]).timestamp.map((t) => t + 60_000);
    const rewrite = {
      ...hl([
        [11, 10],
        [12.5, 11],
        [11, 10],
        [13, 12],
      ]),
      timestamp: changed,
    };
    const e = caught(() => s.submit('X', 'M1', rewrite));
    expect(e).toBeInstanceOf(HistoryConflictError);
    expect([(e as HistoryConflictError).index, (e as HistoryConflictError).field]).toEqual([1, 'high']);
    expect(e.message).toBe('bar 1: high 12.5 differs from the stored 12 at 120000: only the last stored bar (180000) may change');
    expect(s.info('X', 'M1')).toEqual(before);
    // Invalid bar after valid new ones: nothing is written either.
    const tail = hl([
      [11, 10],
      [12, 11],
      [1, 2],
    ]);
    const late = { ...tail, timestamp: tail.timestamp.map((t) => t + 240_000) };
    expect(caught(() => s.submit('X', 'M1', late))).toBeInstanceOf(BarValidationError);
    expect(s.info('X', 'M1')).toEqual(before);
    s.close();
  });

  it('timestamps must be whole milliseconds', () => {
    const s = new BarStore(join(tempDir(), 'c.db'));
    const e = caught(() => s.submit('X', 'M1', { ...head, timestamp: Float64Array.of(0, 1.5) }));
    expect(e.message).toBe('bar 1: timestamp must be a whole number of ms, got 1.5');
    s.close();
  });

  it('upgrades a version-1 store (no saved stream state) keeping its bars', () => {
    const path = join(tempDir(), 'e.db');
    const db = new Database(path);
    db.exec(`
      CREATE TABLE series (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, revision INTEGER NOT NULL,
        count INTEGER NOT NULL, last_ts INTEGER, UNIQUE (symbol, timeframe));
      CREATE TABLE bars (series INTEGER NOT NULL REFERENCES series (id), ts INTEGER NOT NULL, open REAL NOT NULL, high REAL NOT NULL,
        low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID;
      INSERT INTO series VALUES (1, 'X', 'M1', 1, 4, ${bars.timestamp[3]});
      PRAGMA user_version = 1;`);
    for (let i = 0; i < 4; i++) {
      db.prepare('INSERT INTO bars VALUES (1, ?, ?, ?, ?, ?, ?)').run(
        bars.timestamp[i],
        bars.open[i],
        bars.high[i],
        bars.low[i],
        bars.close[i],
        bars.volume[i],
      );
    }
    db.close();
    const s2 = new BarStore(path);
    expect(s2.info('X', 'M1')).toMatchObject({ count: 4 });
    expect(s2.load('X', 'M1')!.bars.close).toEqual(bars.close);
    s2.saveStreamState('X', 'M1', '{}', 4, Uint8Array.of(1, 2, 3));
    expect(Array.from(s2.loadStreamState('X', 'M1', '{}')!)).toEqual([1, 2, 3]);
    expect(s2.loadStreamState('X', 'M1', '{"other":1}')).toBeNull();
    s2.close();
  });

  it('refuses a store written by a newer schema version', () => {
    const path = join(tempDir(), 'd.db');
    new BarStore(path).close();
    const db = new Database(path);
    db.pragma('user_version = 4');
    db.close();
    expect(caught(() => new BarStore(path)).message).toBe(`${path}: store schema version 4 is newer than this build supports (3)`);
  });
});
