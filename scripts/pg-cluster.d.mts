import type pg from 'pg';

export function freePort(): Promise<number>;

/** A throwaway PostgreSQL cluster on a loopback port (see pg-cluster.mjs). */
export class TestPostgres {
  readonly user: string;
  readonly password: string;
  /** The password in a file (service.postgres.password_file). */
  readonly passwordFile: string;
  readonly dir: string;
  readonly port: number;
  /** With `tls`: the server's self-signed certificate for 127.0.0.1 (its own CA) and key. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** A new cluster, started; with `tls`, it also accepts TLS connections. */
  static start(o?: { tls?: boolean }): Promise<TestPostgres>;
  /** The URL of a database of this cluster (no password: it comes from the file or PGPASSWORD). */
  url(database?: string): string;
  /** A new empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** One statement on a database of the cluster, as its superuser. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[], database?: string): Promise<T[]>;
  /** Starts the server again on the same port (after stop; nothing when it runs). */
  resume(): void;
  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  stop(): void;
  /** Stops the server and deletes the cluster. */
  destroy(): void;
}
