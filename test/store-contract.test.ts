// The store contract (service/store.ts), the same tests on both stores: the embedded SQLite file and
// a PostgreSQL database (a throwaway cluster started here). Revisions, idempotency, history
// protection, atomic batches, exact values, saved stream state, checksums, concurrent writers.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliceBars } from '../src/core/bars.js';
import { BarValidationError, HistoryConflictError } from '../src/core/errors.js';
import { BarStore } from '../src/service/bar-store.js';
import { PgStore } from '../src/service/pg-store.js';
import { StoreCorruptionError, type SeriesStore } from '../src/service/store.js';
import { fixtureBars, hl, rejected } from './support/helpers.js';
import { TestPostgres } from './support/postgres.js';
import { pgConfig, silentLog, tempDir } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
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

let pgt: TestPostgres;
let databases = 0;
beforeAll(async () => {
  pgt = await TestPostgres.start();
});
afterAll(() => pgt.destroy());

interface Kind {
  readonly name: 'sqlite' | 'postgres';
  /** A new empty store, and another instance on the same data. */
  open(): Promise<{ store: SeriesStore; another: () => Promise<SeriesStore> }>;
  /** Changes one stored close price without its checksum (what a damaged disk does). */
  damageClose(store: SeriesStore, symbol: string, ts: number): Promise<void>;
  /** Changes a saved stream state's bytes without its checksum. */
  damageState(store: SeriesStore): Promise<void>;
}

const KINDS: Kind[] = [
  {
    name: 'sqlite',
    async open() {
      const path = join(tempDir(), 'store.db');
      return { store: new BarStore(path), another: async () => new BarStore(path) };
    },
    async damageClose(store, symbol, ts) {
      const db = new Database(store.location);
      db.prepare('UPDATE bars SET close = close + 1 WHERE ts = ? AND series = (SELECT id FROM series WHERE symbol = ?)').run(ts, symbol);
      db.close();
    },
    async damageState(store) {
      const db = new Database(store.location);
      db.prepare('UPDATE stream_state SET blob = ?').run(Buffer.from([9, 9, 9]));
      db.close();
    },
  },
  {
    name: 'postgres',
    async open() {
      const url = await pgt.createDatabase(`contract${databases++}`);
      return { store: await PgStore.open(url, pgConfig(pgt), silentLog), another: () => PgStore.open(url, pgConfig(pgt), silentLog) };
    },
    async damageClose(store, symbol, ts) {
      const db = new URL(store.location).pathname.slice(1);
      await pgt.query(
        'UPDATE bars SET close = close + 1 WHERE ts = $1 AND series = (SELECT id FROM series WHERE symbol = $2)',
        [ts, symbol],
        db,
      );
    },
    async damageState(store) {
      await pgt.query("UPDATE stream_state SET blob = '\\x090909'", [], new URL(store.location).pathname.slice(1));
    },
  },
];

describe.each(KINDS)('store contract: $name', (kind) => {
  it('revision rises only when a write changes the series; series are independent; values read back exactly', async () => {
    const { store: s } = await kind.open();
    expect(await s.info('X', 'M1')).toBeNull();
    expect(await s.load('X', 'M1')).toBeNull();
    expect(await s.submit('X', 'M1', head)).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      revision: 1,
      count: 2,
      lastTimestamp: 60_000,
    });
    expect(await s.submit('X', 'M1', head)).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 2,
      revision: 1,
      count: 2,
      lastTimestamp: 60_000,
    });
    expect(await s.submit('X', 'M1', bars)).toMatchObject({ inserted: 2, unchanged: 2, revision: 2, count: 4 });
    expect(await s.submit('X', 'M5', head)).toMatchObject({ inserted: 2, revision: 1, count: 2 });
    expect(await s.stats()).toMatchObject({ kind: kind.name, series: 2, bars: 6 });
    expect(Array.from((await s.load('X', 'M1'))!.bars.high)).toEqual([10, 11, 12, 11]);
    // A real series, every value to the last bit; and the bars from a timestamp on.
    await s.submit('SSE', 'D1', SSE);
    const loaded = (await s.load('SSE', 'D1'))!;
    expect(loaded.info).toEqual({ revision: 1, count: SSE.timestamp.length, lastTimestamp: SSE.timestamp.at(-1) });
    for (const f of ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const) expect(loaded.bars[f]).toEqual(SSE[f]);
    // The last n bars alone (GetKlines with last_n reads no more), with the same revision and count.
    const n = SSE.timestamp.length;
    const tail = (await s.load('SSE', 'D1', 10))!;
    expect(tail.info).toEqual(loaded.info);
    for (const f of ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const) expect(tail.bars[f]).toEqual(SSE[f].subarray(n - 10));
    expect((await s.load('SSE', 'D1', n + 5))!.bars.close).toEqual(SSE.close);
    expect(await s.load('NONE', 'D1', 10)).toBeNull();
    const from = SSE.timestamp[3000]!;
    expect((await s.loadFrom('SSE', 'D1', from)).close).toEqual(SSE.close.subarray(3000));
    expect((await s.loadFrom('NONE', 'D1', 0)).close.length).toBe(0);
    await s.close();
  });

  it('awkward numbers keep every bit; a -0 volume is stored as 0', async () => {
    const { store: s } = await kind.open();
    const b = hl([
      [0.1 + 0.2, 0.1],
      [123456.78901234567, 1e-9],
      [1e15, 999999999999999.9],
    ]);
    b.volume.set([0, 1e18, 5e-324]);
    b.volume[0] = -0;
    await s.submit('X', 'M1', b);
    const got = (await s.load('X', 'M1'))!.bars;
    expect(Array.from(got.high)).toEqual([0.1 + 0.2, 123456.78901234567, 1e15]);
    expect(Array.from(got.low)).toEqual([0.1, 1e-9, 999999999999999.9]);
    expect(Object.is(got.volume[0], 0)).toBe(true);
    expect(Array.from(got.volume.subarray(1))).toEqual([1e18, 5e-324]);
    await s.close();
  });

  it('a rejected batch writes nothing, even when its first bars were new', async () => {
    const { store: s } = await kind.open();
    await s.submit('X', 'M1', bars);
    const before = await s.info('X', 'M1');
    const rewrite = hl([
      [11, 10],
      [12.5, 11],
      [11, 10],
      [13, 12],
    ]);
    rewrite.timestamp.set(rewrite.timestamp.map((t) => t + 60_000));
    const e = await rejected(s.submit('X', 'M1', rewrite));
    expect(e).toBeInstanceOf(HistoryConflictError);
    expect([(e as HistoryConflictError).index, (e as HistoryConflictError).field]).toEqual([1, 'high']);
    expect(e.message).toBe('bar 1: high 12.5 differs from the stored 12 at 120000: only the last stored bar (180000) may change');
    expect(await s.info('X', 'M1')).toEqual(before);
    // An invalid bar after valid new ones: nothing is written either.
    const late = hl([
      [11, 10],
      [12, 11],
      [1, 2],
    ]);
    late.timestamp.set(late.timestamp.map((t) => t + 240_000));
    expect(await rejected(s.submit('X', 'M1', late))).toBeInstanceOf(BarValidationError);
    // A bar between two stored ones cannot be inserted into history.
    const between = hl([[11, 10]]);
    between.timestamp[0] = 90_000;
    const h = await rejected(s.submit('X', 'M1', between));
    expect([(h as HistoryConflictError).index, (h as HistoryConflictError).field]).toEqual([0, 'timestamp']);
    expect(h.message).toBe(
      'bar 0: timestamp 90000 is before the last stored bar (180000) and is not stored: history cannot be inserted into',
    );
    expect(await s.info('X', 'M1')).toEqual(before);
    expect(Array.from((await s.load('X', 'M1'))!.bars.high)).toEqual([10, 11, 12, 11]);
    await s.close();
  });

  it('the last stored bar may be replaced (a forming bar), once per change', async () => {
    const { store: s } = await kind.open();
    await s.submit('X', 'M1', bars);
    const forming = hl([
      [12, 11],
      [11.5, 10],
      [13, 12],
    ]);
    forming.timestamp.set([120_000, 180_000, 240_000]);
    expect(await s.submit('X', 'M1', forming)).toMatchObject({ inserted: 1, updated: 1, unchanged: 1, revision: 2, count: 5 });
    expect(Array.from((await s.load('X', 'M1'))!.bars.high)).toEqual([10, 11, 12, 11.5, 13]);
    expect(await s.submit('X', 'M1', forming)).toMatchObject({ inserted: 0, updated: 0, revision: 2 });
    await s.close();
  });

  it('timestamps must be whole milliseconds', async () => {
    const { store: s } = await kind.open();
    const e = await rejected(s.submit('X', 'M1', { ...head, timestamp: Float64Array.of(0, 1.5) }));
    expect(e.message).toBe('bar 1: timestamp must be a whole number of ms, got 1.5');
    expect(await s.info('X', 'M1')).toBeNull();
    await s.close();
  });

  it('saved stream state: per series and options, replaced, and ignored when damaged', async () => {
    const { store: s } = await kind.open();
    await s.saveStreamState('X', 'M1', '{}', 4, Uint8Array.of(1, 2, 3));
    expect(await s.loadStreamState('X', 'M1', '{}')).toBeNull(); // no such series: nothing saved
    await s.submit('X', 'M1', bars);
    await s.saveStreamState('X', 'M1', '{}', 4, Uint8Array.of(1, 2, 3));
    await s.saveStreamState('X', 'M1', '{}', 4, Uint8Array.of(4, 5));
    expect(Array.from((await s.loadStreamState('X', 'M1', '{}'))!)).toEqual([4, 5]);
    expect(await s.loadStreamState('X', 'M1', '{"other":1}')).toBeNull();
    await kind.damageState(s);
    expect(await s.loadStreamState('X', 'M1', '{}')).toBeNull();
    await s.close();
  });

  it('a stored value changed behind the store fails the read naming the series and bar', async () => {
    const { store: s } = await kind.open();
    await s.submit('SSE', 'D1', sliceBars(SSE, 0, 200));
    const ts = SSE.timestamp[150]!;
    await kind.damageClose(s, 'SSE', ts);
    const e = await rejected(s.load('SSE', 'D1'));
    expect(e).toBeInstanceOf(StoreCorruptionError);
    expect(e.message).toContain(
      `${s.location}: the store is damaged (series SSE D1, bar at ${ts}: its stored values do not match their checksum)`,
    );
    expect(await rejected(s.loadFrom('SSE', 'D1', ts))).toBeInstanceOf(StoreCorruptionError);
    expect(await rejected(s.load('SSE', 'D1', 60))).toBeInstanceOf(StoreCorruptionError);
    expect((await s.load('SSE', 'D1', 40))!.bars.close).toEqual(SSE.close.subarray(160, 200));
    // Writing over the damaged bar is refused too, rather than compared with a wrong number.
    expect(await rejected(s.submit('SSE', 'D1', sliceBars(SSE, 100, 201)))).toBeInstanceOf(StoreCorruptionError);
    // Bars after it still read.
    expect((await s.loadFrom('SSE', 'D1', SSE.timestamp[160]!)).close).toEqual(SSE.close.subarray(160, 200));
    await s.close();
  });

  it('concurrent writers on two instances: one series ends whole, each answer exact, other series unaffected', async () => {
    const { store: a, another } = await kind.open();
    const b = await another();
    const n = 600,
      size = 50;
    const batches = Array.from({ length: n / size }, (_, k) => sliceBars(SSE, k * size, (k + 1) * size));
    // Both instances send every batch of one series, in order, at the same time (a resend is idempotent);
    // a third series is written alongside.
    const writer = async (s: SeriesStore) => {
      const answers = [];
      for (const batch of batches) answers.push(await s.submit('SSE', 'D1', batch));
      return answers;
    };
    const [ra, rb] = await Promise.all([writer(a), writer(b), b.submit('OTHER', 'D1', sliceBars(SSE, 0, 300))]);
    for (const [k, r] of [...ra!.entries(), ...rb!.entries()]) {
      // Each answer counts exactly the bars stored when its transaction committed: at least its own batch.
      expect(r.count).toBeGreaterThanOrEqual((k + 1) * size);
      expect(r.lastTimestamp).toBe(SSE.timestamp[r.count - 1]);
      expect(r.inserted + r.unchanged).toBe(size);
    }
    expect(ra!.reduce((x, r) => x + r.inserted, 0) + rb!.reduce((x, r) => x + r.inserted, 0)).toBe(n);
    const whole = (await b.load('SSE', 'D1'))!;
    expect(whole.bars.close).toEqual(SSE.close.subarray(0, n));
    expect(whole.bars.timestamp).toEqual(SSE.timestamp.subarray(0, n));
    expect((await a.load('OTHER', 'D1'))!.bars.close).toEqual(SSE.close.subarray(0, 300));
    await Promise.all([a.close(), b.close()]);
  });
});
