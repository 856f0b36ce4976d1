// A throwaway PostgreSQL cluster for the tests and benchmarks: initdb in a temporary directory
// (password authentication, a random password in a file), a free loopback port, run as the
// `postgres` user when we run as root (PostgreSQL refuses root), stopped by its user. Needs the
// Debian package `postgresql` (.ci/run installs it). Types: pg-cluster.d.mts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The newest PostgreSQL's programs (Debian keeps them out of PATH). */
function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (dir === undefined) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (the tests need its server)');
  return dir;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function pgRun(program, args) {
  const bin = join(binDir(), program);
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe' });
  else execFileSync(bin, args, { stdio: 'pipe' });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export class TestPostgres {
  user = 'chan';
  password = randomBytes(12).toString('hex');
  #running = false;

  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.data = join(dir, 'data');
    this.passwordFile = join(dir, 'password');
  }

  /**
   * A new cluster, started. `tls`: it also accepts TLS, with a self-signed certificate for
   * 127.0.0.1 made here (`certFile`: the certificate, which is its own CA).
   */
  static async start({ tls = false } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'chan-pg-'));
    const t = new TestPostgres(dir, await freePort());
    writeFileSync(t.passwordFile, `${t.password}\n`, { mode: 0o600 });
    const owned = [dir, t.passwordFile];
    if (tls) {
      t.certFile = join(dir, 'server.crt');
      t.keyFile = join(dir, 'server.key');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '2',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          t.keyFile,
          '-out',
          t.certFile,
        ],
        { stdio: 'pipe' },
      );
      chmodSync(t.keyFile, 0o600);
      owned.push(t.certFile, t.keyFile);
    }
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      for (const f of owned) chownSync(f, uid, gid);
    }
    pgRun('initdb', ['-D', t.data, '-U', t.user, '--auth=scram-sha-256', `--pwfile=${t.passwordFile}`, '-E', 'UTF8', '--no-instructions']);
    t.resume();
    return t;
  }

  /** The URL of a database of this cluster (no password: it comes from the file or PGPASSWORD). */
  url(database = 'postgres') {
    return `postgres://${this.user}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database; returns its URL. */
  async createDatabase(name) {
    await this.query(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** One statement on a database of the cluster, as its superuser. */
  async query(sql, values = [], database = 'postgres') {
    const c = new pg.Client({ host: '127.0.0.1', port: this.port, user: this.user, database, password: this.password });
    await c.connect();
    try {
      return (await c.query(sql, values)).rows;
    } finally {
      await c.end();
    }
  }

  /** Starts the server again on the same port (after stop; nothing when it runs). */
  resume() {
    if (this.#running) return;
    pgRun('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c max_connections=200` +
        (this.certFile ? ` -c ssl=on -c ssl_cert_file=${this.certFile} -c ssl_key_file=${this.keyFile}` : ''),
      '-w',
      'start',
    ]);
    this.#running = true;
  }

  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  stop() {
    if (!this.#running) return;
    pgRun('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
    this.#running = false;
  }

  /** Stops the server and deletes the cluster. */
  destroy() {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
