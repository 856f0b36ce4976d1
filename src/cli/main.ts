#!/usr/bin/env node
// The `chan` command line.
import { parseArgs } from 'node:util';
import { whyUnreadable } from '../node/unreadable.js';
import { ChanEngineError, InputError } from '../core/errors.js';
import { importServiceCommand } from './service-packages.js';
import { UsageError } from './usage-error.js';

const USAGE = `usage:
  chan analyze FILE.csv [--preset NAME] [--pen new_3kline|traditional] [--config FILE] [--json]
  chan points FILE.csv [--level pen|segment] [--preset NAME] [--pen D] [--config FILE] [--json]
  chan chart FILE.csv [-o FILE.html] [--from T] [--to T] [--max-bars N] [--preset NAME] [--pen D] [--config FILE]
  chan chart --symbol S --timeframe TF [-o FILE.html] [--from T] [--to T] [--max-bars N] [--preset NAME] [--pen D]
             (an HTML chart that opens offline; T: 2019-01-31, 2019-01-31T09:30 (UTC) or ms since epoch;
             without --from/--to, the last N bars, 1000000 unless given)
  chan serve [--role primary|backup] [--config FILE] [--host H] [--port P] [--metrics-port P] [--store S] [--engine wasm|ts]
             (backup: port 50052, metrics 9465, the TS engine, unless set; S: sqlite:FILE (default
             sqlite:chan-store.db) or postgres://[user@]host[:port]/db, the password in $PGPASSWORD)
  chan migrate [--config FILE] [--store S]   (brings the store's schema to this version, then exits)
  chan submit FILE.csv --symbol S --timeframe TF [--batch N]
  chan klines   --symbol S --timeframe TF [--last-n N] [--json]   (the stored bars as CSV)
  chan pens     --symbol S --timeframe TF [--last-n N] [--pen D] [--confirmed-only] [--json]
  chan segments --symbol S --timeframe TF [--last-n N] [--pen D] [--confirmed-only] [--json]
  chan pivots   --symbol S --timeframe TF [--level pen|segment] [--last-n N] [--pen D] [--json]
  chan points   --symbol S --timeframe TF [--level pen|segment] [--last-n N] [--pen D] [--json]
  chan macd     --symbol S --timeframe TF [--last-n N] [--preset NAME] [--fast N --slow N --signal N] [--json]
  chan watch    --symbol S --timeframe TF [--pen D] [--last-n N] [--json]   (live events until Ctrl-C)
  chan status [--json]
  chan health
  client commands take --addr HOST:PORT[,HOST:PORT...] (repeatable; default 127.0.0.1:50051; later
  addresses are failover backups), --token T (default $CHAN_AUTH_TOKEN) and --ca FILE (TLS)

  FILE.csv   a header naming time, open, high, low, close (and volume) columns, or kline exports without
             one; times as epoch s/ms/us/ns (by magnitude) or ISO dates (UTC unless zoned); , ; or tab
             between cells; .csv.gz accepted; - reads standard input. --time-unit s|ms|us|ns and --delimiter ,|;|tab when unclear;
             --time-zone ZONE (Asia/Shanghai...): the zone of times written without one;
             --ticker T: the rows of T in a file of several tickers (a ticker or symbol column)
  TF         M1 M3 M5 M15 M30 H1 H2 H4 D1 W1 MN1
  --preset   MACD preset from config/macd_params.yaml (standard, fast, slow, scalping)
  --config   default.yaml to use instead of the bundled one`;

/**
 * After a usage error: the usage lines of the command given (the line of each form of it, with its
 * continuation lines, and for a client command the options they all take), or all of it.
 */
function usageFor(argv: readonly string[]): string {
  const command = argv.find((a) => !a.startsWith('-'));
  const lines = USAGE.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith(`  chan ${command} `) && lines[i] !== `  chan ${command}`) continue;
    out.push(lines[i]!);
    while (lines[i + 1]?.startsWith('     ')) out.push(lines[++i]!);
  }
  if (out.length === 0) return USAGE;
  if (CLIENT_COMMANDS.has(command!))
    out.push(...lines.filter((l, i) => l.startsWith('  client commands') || lines[i - 1]?.startsWith('  client commands')));
  return `usage:\n${out.join('\n')}\n(chan --help lists every command and option)`;
}

// Each command's module is loaded when it runs: `chan analyze` does not load gRPC or SQLite.
const CLIENT_COMMANDS = new Set(['submit', 'klines', 'pens', 'segments', 'pivots', 'points', 'macd', 'status', 'health', 'watch']);

export async function main(argv: string[]): Promise<number> {
  try {
    const {
      values: v,
      positionals,
      tokens,
    } = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        preset: { type: 'string' },
        pen: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        host: { type: 'string' },
        port: { type: 'string' },
        'metrics-port': { type: 'string' },
        db: { type: 'string' },
        store: { type: 'string' },
        engine: { type: 'string' },
        // Several: repeated, or comma-separated (a repeated string option would keep only the last).
        addr: { type: 'string', multiple: true },
        token: { type: 'string' },
        ca: { type: 'string' },
        symbol: { type: 'string' },
        timeframe: { type: 'string' },
        'last-n': { type: 'string' },
        'confirmed-only': { type: 'boolean', default: false },
        fast: { type: 'string' },
        slow: { type: 'string' },
        signal: { type: 'string' },
        batch: { type: 'string' },
        level: { type: 'string' },
        role: { type: 'string' },
        output: { type: 'string', short: 'o' },
        from: { type: 'string' },
        to: { type: 'string' },
        'max-bars': { type: 'string' },
        'time-unit': { type: 'string' },
        'time-zone': { type: 'string' },
        ticker: { type: 'string' },
        delimiter: { type: 'string' },
      },
    });
    // An option given twice would silently be the last one (but --addr, a list).
    const given = new Map<string, number>();
    for (const t of tokens) if (t.kind === 'option' && t.name !== 'addr') given.set(t.name, (given.get(t.name) ?? 0) + 1);
    for (const [name, n] of given) if (n > 1) throw new UsageError(`--${name} given ${n} times; give it once`);
    if (v.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const [command, file, ...rest] = positionals;
    const csv = { timeUnit: v['time-unit'], timeZone: v['time-zone'], ticker: v.ticker, delimiter: v.delimiter };
    // The server commands take one address list: repeated --addr options joined as a comma-separated one.
    const addr = v.addr?.join(',');
    if (command === 'analyze') {
      if (file === undefined || rest.length > 0) throw new UsageError('expected: chan analyze FILE.csv');
      const { runAnalyze } = await import('./analyze-command.js');
      await runAnalyze({ ...csv, file, preset: v.preset, pen: v.pen, config: v.config, json: v.json }, process.stdout);
      return 0;
    }
    // `chan points FILE.csv` reads a file; `chan points --symbol ...` asks a server.
    if (command === 'points' && file !== undefined) {
      if (rest.length > 0) throw new UsageError('expected: chan points FILE.csv');
      const { runPoints } = await import('./analyze-command.js');
      process.stdout.write(
        (await runPoints({ ...csv, file, preset: v.preset, pen: v.pen, config: v.config, json: v.json, level: v.level })) + '\n',
      );
      return 0;
    }
    if (command === 'chart') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      if (file === undefined && v.symbol === undefined)
        throw new UsageError('expected: chan chart FILE.csv, or chan chart --symbol S --timeframe TF');
      const { runChart } = await import('./chart-command.js');
      process.stdout.write((await runChart({ ...v, ...csv, addr, file, maxBars: v['max-bars'] })) + '\n');
      return 0;
    }
    if (command === 'serve') {
      if (file !== undefined) throw new UsageError('chan serve takes no file');
      const { runServe } = await importServiceCommand('serve', () => import('./serve-command.js'));
      await runServe({
        config: v.config,
        host: v.host,
        port: v.port,
        metricsPort: v['metrics-port'],
        db: v.db,
        store: v.store,
        engine: v.engine,
        role: v.role,
      });
      return 0;
    }
    if (command === 'migrate') {
      if (file !== undefined) throw new UsageError('chan migrate takes no file');
      const { runMigrate } = await importServiceCommand('migrate', () => import('./serve-command.js'));
      process.stdout.write((await runMigrate({ config: v.config, db: v.db, store: v.store })) + '\n');
      return 0;
    }
    if (command !== undefined && CLIENT_COMMANDS.has(command)) {
      if (rest.length > 0 || (file !== undefined && command !== 'submit')) throw new UsageError(`unexpected argument "${rest[0] ?? file}"`);
      const { runClientCommand } = await importServiceCommand(command, () => import('./client-commands.js'));
      const out = await runClientCommand(command, { ...v, ...csv, addr, lastN: v['last-n'], confirmedOnly: v['confirmed-only'] }, file);
      if (out !== '') process.stdout.write(out + '\n');
      return 0;
    }
    throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`chan: ${parseArgsMessage(e as Error)}\n${usageFor(argv)}\n`);
      return 2;
    }
    // Bad input, and every error chan-engine raises on purpose (a damaged store...), say what to do.
    if (e instanceof InputError || e instanceof ChanEngineError) {
      process.stderr.write(`chan: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException & { code?: unknown };
    if (err.code === 'ENOENT') {
      process.stderr.write(`chan: cannot read ${err.path ?? 'file'}: ${whyUnreadable(err)}\n`);
      return 1;
    }
    // A gRPC status from the server (numeric code): the message already names the problem.
    if (typeof err.code === 'number') {
      const hint = err.code === 16 ? '; give it with --token T or $CHAN_AUTH_TOKEN' : ''; // UNAUTHENTICATED
      process.stderr.write(`chan: ${err.message}${hint}\n`);
      return 1;
    }
    throw e;
  }
}

/** node:util's parseArgs messages without their advice on positionals (this CLI takes none that start with '-'). */
function parseArgsMessage(e: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(e.message),
    noValue = /^Option '(\S+) <value>' argument missing/.exec(e.message);
  return unknown !== null ? `unknown option ${unknown[1]}` : noValue !== null ? `${noValue[1]} needs a value` : e.message;
}

// A closed pipe (e.g. `| head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
