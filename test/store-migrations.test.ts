// Store schemas are versioned and migrated when a store is opened (or by `chan migrate`): from an
// empty store and from the previous version, keeping the bars; a store of a newer version is refused.
// SQLite and PostgreSQL (a throwaway cluster started here).
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BarStore } from '../src/service/bar-store.js';
import { migratePostgres, PG_SCHEMA_VERSION } from '../src/service/pg-schema.js';
import { connectionConfig, PgStore } from '../src/service/pg-store.js';
import { StoreUnavailableError } from '../src/service/store.js';
import { hl, rejected } from './support/helpers.js';
import { TestPostgres } from './support/postgres.js';
import { oldSqliteStore, pgConfig, silentLog, tempDir } from './support/service-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const bars = hl([
  [10, 9],
  [11, 10],
  [12, 11],
  [11, 10],
]);

describe('SQLite store schema', () => {
  it('upgrades a version-1 store (no saved stream state) keeping its bars', async () => {
    const path = join(tempDir(), 'e.db');
    oldSqliteStore(path, 1, 'X', 'M1', bars);
    const s2 = new BarStore(path);
    expect(await s2.info('X', 'M1')).toMatchObject({ count: 4 });
    expect((await s2.load('X', 'M1'))!.bars.close).toEqual(bars.close);
    await s2.saveStreamState('X', 'M1', '{}', 4, Uint8Array.of(1, 2, 3));
    expect(Array.from((await s2.loadStreamState('X', 'M1', '{}'))!)).toEqual([1, 2, 3]);
    await s2.close();
  });

  it('refuses a store written by a newer schema version', async () => {
    const path = join(tempDir(), 'd.db');
    await new BarStore(path).close();
    const db = new Database(path);
    db.pragma('user_version = 4');
    db.close();
    expect(() => new BarStore(path)).toThrow(`${path}: store schema version 4 is newer than this build supports (3)`);
  });
});

describe('PostgreSQL store schema', () => {
  let pgt: TestPostgres;
  beforeAll(async () => {
    pgt = await TestPostgres.start();
  });
  afterAll(() => pgt.destroy());

  const connect = async (url: string) => {
    const c = new pg.Client({ ...connectionConfig(url, pgConfig(pgt)), password: pgt.password });
    await c.connect();
    return c;
  };
  const tables = async (db: string) =>
    (await pgt.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", [], db)).map((r) => r.t);

  it('an empty database gets every step; opening again changes nothing', async () => {
    const url = await pgt.createDatabase('empty');
    const c = await connect(url);
    expect(await migratePostgres(c)).toEqual({ from: 0, to: PG_SCHEMA_VERSION });
    expect(await migratePostgres(c)).toEqual({ from: PG_SCHEMA_VERSION, to: PG_SCHEMA_VERSION });
    await c.end();
    expect(await tables('empty')).toEqual(['bars', 'chan_schema', 'series', 'stream_state']);
  });

  it('from the previous version (no saved stream state), keeping the bars', async () => {
    const url = await pgt.createDatabase('previous');
    const c = await connect(url);
    expect(await migratePostgres(c, PG_SCHEMA_VERSION - 1)).toEqual({ from: 0, to: PG_SCHEMA_VERSION - 1 });
    await c.end();
    expect(await tables('previous')).toEqual(['bars', 'chan_schema', 'series']);
    // Bars written by a build of that version: the store of this build reads them, then saves stream state.
    const s = await PgStore.open(url, pgConfig(pgt), silentLog).catch(() => null);
    expect(s).not.toBeNull();
    await s!.submit('X', 'M1', bars);
    expect((await s!.load('X', 'M1'))!.bars.close).toEqual(bars.close);
    await s!.saveStreamState('X', 'M1', '{}', 4, Uint8Array.of(7));
    expect(Array.from((await s!.loadStreamState('X', 'M1', '{}'))!)).toEqual([7]);
    await s!.close();
    expect((await pgt.query<{ version: number }>('SELECT version FROM chan_schema', [], 'previous'))[0]!.version).toBe(PG_SCHEMA_VERSION);
  });

  it('five instances starting together on an empty database migrate it once', async () => {
    const url = await pgt.createDatabase('together');
    const stores = await Promise.all(Array.from({ length: 5 }, () => PgStore.open(url, pgConfig(pgt), silentLog)));
    await Promise.all(stores.map((s) => s.close()));
    expect(await pgt.query('SELECT version FROM chan_schema', [], 'together')).toEqual([{ version: PG_SCHEMA_VERSION }]);
  });

  it('refuses a database of a newer schema version', async () => {
    const url = await pgt.createDatabase('newer');
    await (await PgStore.open(url, pgConfig(pgt), silentLog)).close();
    await pgt.query('UPDATE chan_schema SET version = 99', [], 'newer');
    const e = await rejected(PgStore.open(url, pgConfig(pgt), silentLog));
    // Not an unavailable database (which a client would retry elsewhere): a version to upgrade.
    expect(e).not.toBeInstanceOf(StoreUnavailableError);
    expect(e.message).toBe(`${url}: store schema version 99 is newer than this build supports (${PG_SCHEMA_VERSION}): upgrade chan-engine`);
  });

  it('chan migrate brings an empty database to this version and says so; the password from PGPASSWORD', async () => {
    const url = await pgt.createDatabase('bycli');
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'migrate', '--store', url], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PGPASSWORD: pgt.password },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^store ${url} \\(postgres 15\\.\\d+.*\\) is at this version's schema: 0 series, 0 bars\\n$`));
    expect(r.status).toBe(0);
    expect(await tables('bycli')).toEqual(['bars', 'chan_schema', 'series', 'stream_state']);
    // A password in the URL is refused before anything connects: it would show in process lists and logs.
    const withPassword = url.replace('chan@', `chan:${pgt.password}@`);
    const bad = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'migrate', '--store', withPassword], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--store: must not hold a password');
    expect(bad.stderr).not.toContain(pgt.password);
  });
});
