// A throwaway PostgreSQL cluster for the tests: initdb in a temporary directory (password
// authentication, a random password in a file), a free loopback port, run as the `postgres` user
// when the tests run as root (PostgreSQL refuses root), stopped by the test. Needs the Debian
// package `postgresql` (.ci/run installs it).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The newest PostgreSQL's programs (Debian keeps them out of PATH). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (dir === undefined) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (the tests need its server)');
  return dir;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function pgRun(program: string, args: string[]): void {
  const bin = join(binDir(), program);
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe' });
  else execFileSync(bin, args, { stdio: 'pipe' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class TestPostgres {
  readonly user = 'chan';
  readonly password = randomBytes(12).toString('hex');
  /** The password in a file (service.postgres.password_file). */
  readonly passwordFile: string;
  private readonly data: string;
  private running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.data = join(dir, 'data');
    this.passwordFile = join(dir, 'password');
  }

  /** A new cluster, started. */
  static async start(): Promise<TestPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'chan-pg-'));
    const t = new TestPostgres(dir, await freePort());
    writeFileSync(t.passwordFile, `${t.password}\n`, { mode: 0o600 });
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
      chownSync(t.passwordFile, uid, gid);
    }
    pgRun('initdb', ['-D', t.data, '-U', t.user, '--auth=scram-sha-256', `--pwfile=${t.passwordFile}`, '-E', 'UTF8', '--no-instructions']);
    t.resume();
    return t;
  }

  /** The URL of a database of this cluster (no password: it comes from the file or PGPASSWORD). */
  url(database = 'postgres'): string {
    return `postgres://${this.user}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await this.query(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** One statement on a database of the cluster, as its superuser. */
  async query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const c = new pg.Client({ host: '127.0.0.1', port: this.port, user: this.user, database, password: this.password });
    await c.connect();
    try {
      return (await c.query<T>(sql, values)).rows;
    } finally {
      await c.end();
    }
  }

  /** Starts the server again on the same port (after stop). */
  resume(): void {
    pgRun('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c max_connections=200`,
      '-w',
      'start',
    ]);
    this.running = true;
  }

  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  stop(): void {
    if (!this.running) return;
    pgRun('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
    this.running = false;
  }

  /** Stops the server and deletes the cluster. */
  destroy(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
