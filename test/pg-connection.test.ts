// The PostgreSQL store's connection settings against a real server (a throwaway cluster that also
// accepts TLS, with a self-signed certificate for 127.0.0.1): TLS required or verified, the password
// from a file or the environment, and an unreachable database as StoreUnavailableError.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliceBars } from '../src/core/bars.js';
import { peerPackages } from '../src/node/peer-packages.js';
import { openStore } from '../src/service/open-store.js';
import { connectionConfig, PgStore } from '../src/service/pg-store.js';
import { StoreFullError, StoreUnavailableError } from '../src/service/store.js';
import { fixtureBars, rejected } from './support/helpers.js';
import { freePort, TestPostgres } from './support/postgres.js';
import { pgConfig, silentLog } from './support/service-helpers.js';

let pgt: TestPostgres;
beforeAll(async () => {
  pgt = await TestPostgres.start({ tls: true });
});
afterAll(() => pgt.destroy());

/** Whether a connection made with the store's settings is encrypted (PostgreSQL's own view). */
async function encrypted(url: string, tls: 'disable' | 'require' | 'verify-full', tlsCa = ''): Promise<boolean> {
  const c = new pg.Client(connectionConfig(url, pgConfig(pgt, { tls, tlsCa })));
  await c.connect();
  try {
    return (await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]!.ssl;
  } finally {
    await c.end();
  }
}

describe('PostgreSQL connection settings', () => {
  it('tls: disable is plain, require is encrypted, verify-full checks the certificate against tls_ca and the host name', async () => {
    const url = pgt.url();
    expect(await encrypted(url, 'disable')).toBe(false);
    expect(await encrypted(url, 'require')).toBe(true);
    expect(await encrypted(url, 'verify-full', pgt.certFile)).toBe(true);
    // The system's CAs do not know a self-signed certificate; a host name the certificate does not name is refused.
    expect((await rejected(encrypted(url, 'verify-full'))).message).toMatch(/self[- ]signed certificate/);
    expect((await rejected(encrypted(url.replace('127.0.0.1', 'localhost'), 'verify-full', pgt.certFile))).message).toContain(
      "Hostname/IP does not match certificate's altnames: Host: localhost.",
    );
    // The store works over a verified connection.
    const s = await PgStore.open(await pgt.createDatabase('tls'), pgConfig(pgt, { tls: 'verify-full', tlsCa: pgt.certFile! }), silentLog);
    expect(await s.info('X', 'M1')).toBeNull();
    await s.close();
  });

  it('the password from service.postgres.password_file, else from the environment variable password_env names', async () => {
    const url = pgt.url();
    expect(connectionConfig(url, pgConfig(pgt)).password).toBe(pgt.password);
    process.env.CHAN_TEST_PG_PASSWORD = pgt.password;
    try {
      const fromEnv = connectionConfig(url, pgConfig(pgt, { passwordFile: '', passwordEnv: 'CHAN_TEST_PG_PASSWORD' }));
      expect(fromEnv.password).toBe(pgt.password);
      const c = new pg.Client(fromEnv);
      await c.connect();
      await c.end();
    } finally {
      delete process.env.CHAN_TEST_PG_PASSWORD;
    }
    // A wrong password is the database refusing: the store cannot be opened, and the message does not echo it.
    const e = await rejected(PgStore.open(url, pgConfig(pgt, { passwordFile: '', passwordEnv: 'CHAN_TEST_NO_SUCH_VARIABLE' }), silentLog));
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e.message).toContain(`store ${url} unavailable`);
  });

  it('without the pg package (an optional peer dependency) a PostgreSQL store says what to install', async () => {
    const url = pgt.url();
    const missing = Object.assign(new Error("Cannot find package 'pg' imported from /app/dist/service/pg-store.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const e = await rejected(
      openStore({ store: { kind: 'postgres', url }, postgres: pgConfig(pgt), durability: 'full' }, silentLog, () =>
        Promise.reject(missing),
      ),
    );
    expect(e.message).toBe(
      `a PostgreSQL store (${url}) needs the package pg, which npm does not install with chan-engine: npm install pg@${peerPackages().pg}`,
    );
    expect(peerPackages().pg).toMatch(/^~8\./);
    // Any other failure to load is not hidden behind that message.
    const other = new Error('boom');
    expect(
      await rejected(
        openStore({ store: { kind: 'postgres', url }, postgres: pgConfig(pgt), durability: 'full' }, silentLog, () =>
          Promise.reject(other),
        ),
      ),
    ).toBe(other);
  });

  it('pool_size bounds the connections an instance holds (plus one that listens for other instances)', async () => {
    const url = await pgt.createDatabase('pool');
    const s = await PgStore.open(url, pgConfig(pgt, { poolSize: 2 }), silentLog);
    await s.submit('X', 'M1', fixtureBars('sse_000001_1d_20061106_20200716'));
    // Many reads at once queue for the two connections; each answers.
    const answers = await Promise.all(Array.from({ length: 30 }, () => s.load('X', 'M1')));
    expect(answers.every((a) => a!.info.count === 3332)).toBe(true);
    const held = await pgt.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'pool' AND application_name = 'chan-engine'",
    );
    expect(held[0]!.n).toBe(3);
    await s.close();
  });

  it("a full disk (PostgreSQL's disk_full, raised here by a trigger on the bars) is StoreFullError, nothing of the batch stored; with room the batch goes through", async () => {
    const url = await pgt.createDatabase('diskfull');
    const s = await PgStore.open(url, pgConfig(pgt), silentLog);
    const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
    try {
      await s.submit('X', 'D1', sliceBars(SSE, 0, 100));
      await pgt.query(
        "CREATE FUNCTION no_room() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$",
        [],
        'diskfull',
      );
      await pgt.query('CREATE TRIGGER no_room BEFORE INSERT ON bars FOR EACH ROW EXECUTE FUNCTION no_room()', [], 'diskfull');
      const e = await rejected(s.submit('X', 'D1', sliceBars(SSE, 100, 200)));
      expect(e).toBeInstanceOf(StoreFullError);
      expect(e.message).toBe(
        `the store ${url} is full (could not extend file: No space left on device): free space, then send the batch again; nothing of it was stored`,
      );
      expect((await s.info('X', 'D1'))!.count).toBe(100);
      await pgt.query('DROP TRIGGER no_room ON bars', [], 'diskfull');
      expect(await s.submit('X', 'D1', sliceBars(SSE, 100, 200))).toMatchObject({ inserted: 100, count: 200 });
    } finally {
      await s.close();
    }
  });

  it('nothing listening: opening fails with StoreUnavailableError naming the store', async () => {
    const url = `postgres://chan@127.0.0.1:${await freePort()}/none`;
    const e = await rejected(PgStore.open(url, pgConfig(pgt, { connectTimeoutMs: 500 }), silentLog));
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e.message).toMatch(new RegExp(`^store ${url} unavailable: .*ECONNREFUSED`));
  });
});
