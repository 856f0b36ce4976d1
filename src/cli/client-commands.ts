// Client commands (`chan submit|klines|pens|segments|pivots|points|macd|status|health|watch`) against one or more servers.
import { barAt, sliceBars } from '../core/bars.js';
import { ChanEngineError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import { readBarsCsvFile } from '../node/csv-file.js';
import { FailoverClient } from '../service/client.js';
import { TIMEFRAME_MS } from '../service/kline-batch.js';
import type * as M from '../service/messages.js';
import { csvOptions, type CsvFlags } from './csv-flags.js';
import { positiveInt } from './positive-int.js';
import { UsageError } from './usage-error.js';

export interface ClientArgs extends CsvFlags {
  readonly addr?: string;
  readonly token?: string;
  readonly ca?: string;
  readonly symbol?: string;
  readonly timeframe?: string;
  readonly lastN?: string;
  readonly pen?: string;
  readonly confirmedOnly?: boolean;
  readonly preset?: string;
  readonly fast?: string;
  readonly slow?: string;
  readonly signal?: string;
  readonly batch?: string;
  readonly level?: string;
  readonly json?: boolean;
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export function series(a: ClientArgs): { symbol: string; timeframe: string } {
  if (!a.symbol) throw new UsageError('--symbol is required');
  const known = Object.keys(TIMEFRAME_MS).join(' ');
  if (!a.timeframe) throw new UsageError(`--timeframe is required (${known})`);
  const tf = a.timeframe.toUpperCase().replace(/^TIMEFRAME_/, '');
  if (!Object.hasOwn(TIMEFRAME_MS, tf)) throw new UsageError(`--timeframe must be one of ${known}, got "${a.timeframe}"`);
  return { symbol: a.symbol, timeframe: `TIMEFRAME_${tf}` };
}

function level(a: ClientArgs): string {
  if (a.level === undefined || a.level === 'pen') return 'LEVEL_PEN';
  if (a.level === 'segment') return 'LEVEL_SEGMENT';
  throw new UsageError(`--level must be pen or segment, got "${a.level}"`);
}

export function penOptions(a: ClientArgs): M.PenOptions | undefined {
  if (a.pen === undefined) return undefined;
  if (a.pen !== 'new_3kline' && a.pen !== 'traditional') throw new UsageError(`--pen must be new_3kline or traditional, got "${a.pen}"`);
  return { definition: `PEN_DEFINITION_${a.pen.toUpperCase()}` };
}

/** The addresses of --addr (the first, then the failover backups). */
function addresses(a: ClientArgs): string[] {
  return (a.addr ?? '127.0.0.1:50051')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Runs `fn` with a client of the servers of --addr (with --token and --ca), closed after; a call no
 * server could be reached for is said as what to do.
 */
export async function withClient<T>(a: ClientArgs, fn: (client: FailoverClient) => Promise<T>): Promise<T> {
  const list = addresses(a);
  const client = new FailoverClient(list, { token: a.token ?? process.env.CHAN_AUTH_TOKEN, caFile: a.ca });
  try {
    return await fn(client);
  } catch (e) {
    throw unreachable(e, list) ?? e;
  } finally {
    client.close();
  }
}

/** A call no server answered because none could be reached (not one that refused it), said as what to do; else null. */
function unreachable(e: unknown, addresses: readonly string[]): ChanEngineError | null {
  const { code, message = '' } = e as { code?: unknown; message?: string };
  if (code !== 14 || !/No connection established|Name resolution failed/.test(message)) return null; // UNAVAILABLE
  const why = /ECONNREFUSED/.test(message)
    ? 'connection refused'
    : /Name resolution failed/.test(message)
      ? 'the host name does not resolve'
      : message.replace(/^14 UNAVAILABLE: /, '');
  return new ChanEngineError(
    `no server answered at ${addresses.join(', ')}: ${why}. Is \`chan serve\` running there? (--addr HOST:PORT names its address)`,
  );
}

/** Runs one client command; returns what to print. */
export function runClientCommand(command: string, a: ClientArgs, file?: string): Promise<string> {
  return withClient(a, async (client) => {
    switch (command) {
      case 'submit':
        if (file === undefined) throw new UsageError('expected: chan submit FILE.csv --symbol X --timeframe M5');
        return await submit(client, series(a), readBarsCsvFile(file, csvOptions(a)), positiveInt('--batch', a.batch) ?? 10_000);
      case 'klines': {
        const r = await client.run((c) => c.getKlines({ ...series(a), lastN: positiveInt('--last-n', a.lastN) }));
        // CSV the CSV reader reads back to the same bars: ISO times in UTC, numbers written exactly.
        return a.json
          ? JSON.stringify(r)
          : lines(
              'timestamp,open,high,low,close,volume',
              r.klines.map((k) => `${iso(k.timestamp)},${k.open},${k.high},${k.low},${k.close},${k.volume}`),
            );
      }
      case 'pens': {
        const r = await client.run((c) =>
          c.calculatePens({ ...series(a), lastN: positiveInt('--last-n', a.lastN), pen: penOptions(a), confirmedOnly: a.confirmedOnly }),
        );
        return a.json
          ? JSON.stringify(r)
          : lines(`${r.pens.length} of ${r.total} pens, ${r.barCount} bars, engine ${r.engine}`, r.pens.map(lineOf));
      }
      case 'segments': {
        const r = await client.run((c) =>
          c.calculateSegments({
            ...series(a),
            lastN: positiveInt('--last-n', a.lastN),
            pen: penOptions(a),
            confirmedOnly: a.confirmedOnly,
          }),
        );
        return a.json
          ? JSON.stringify(r)
          : lines(
              `${r.segments.length} of ${r.total} segments, ${r.barCount} bars, engine ${r.engine}`,
              r.segments.map((s) => `${lineOf(s)}  pens ${s.startPen}..${s.endPen}${s.endCase ? `  case ${s.endCase}` : ''}`),
            );
      }
      case 'pivots': {
        const r = await client.run((c) =>
          c.calculatePivots({ ...series(a), level: level(a), lastN: positiveInt('--last-n', a.lastN), pen: penOptions(a) }),
        );
        return a.json
          ? JSON.stringify(r)
          : lines(
              `${r.pivots.length} of ${r.total} ${a.level ?? 'pen'} pivots, ${r.barCount} bars, engine ${r.engine}`,
              r.pivots.map(
                (z) =>
                  `#${z.index} ${z.low} .. ${z.high}  lines ${z.startLine}..${z.endLine}  ${iso(z.startTime)} .. ${iso(z.endTime)}  ${z.confirmed ? 'confirmed' : 'provisional'}`,
              ),
            );
      }
      case 'points': {
        const r = await client.run((c) =>
          c.getBuySellPoints({ ...series(a), level: level(a), lastN: positiveInt('--last-n', a.lastN), pen: penOptions(a) }),
        );
        return a.json
          ? JSON.stringify(r)
          : lines(
              `${r.points.length} of ${r.total} ${a.level ?? 'pen'} buy/sell points, ${r.barCount} bars, engine ${r.engine}`,
              r.points.map(
                (p) =>
                  `${iso(p.time)}  ${p.side === 'SIDE_BUY' ? 'buy ' : 'sell'} ${p.types.join(',').padEnd(6)} ${p.price}  line ${p.line}${p.divergenceRate === undefined ? '' : `  divergence ${p.divergenceRate.toFixed(3)}`}  ${p.confirmed ? 'confirmed' : 'provisional'}`,
              ),
            );
      }
      case 'macd': {
        const r = await client.run((c) =>
          c.getMacd({
            ...series(a),
            lastN: positiveInt('--last-n', a.lastN) ?? (a.json ? undefined : 10),
            preset: a.preset,
            fast: positiveInt('--fast', a.fast),
            slow: positiveInt('--slow', a.slow),
            signal: positiveInt('--signal', a.signal),
          }),
        );
        return a.json
          ? JSON.stringify(r)
          : lines(
              `MACD(${r.fast},${r.slow},${r.signal}) ${r.barCount} bars, engine ${r.engine}`,
              r.points.map(
                (p) => `${iso(p.timestamp)}  DIF ${p.dif.toFixed(4)}  DEA ${p.dea.toFixed(4)}  histogram ${p.histogram.toFixed(4)}`,
              ),
            );
      }
      case 'status': {
        const s = await client.run((c) => c.getStatus());
        return a.json ? JSON.stringify(s) : statusText(s);
      }
      case 'watch':
        return await watch(client, a);
      case 'health': {
        const h = await client.run((c) => c.healthCheck({ deep: true }));
        return `${h.serving ? 'SERVING' : 'NOT_SERVING'}  engine ${h.activeEngine} (${h.activeRole})${h.degraded ? '  DEGRADED: the backup engine serves' : ''}  at ${client.active}`;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  });
}

/**
 * Prints live events until Ctrl-C; `--json`: one update per line. When the stream ends UNAVAILABLE (its
 * server shutting down or gone) it subscribes again, on whichever of the addresses serves (its first
 * message is then the whole state again), trying for up to 30 s (FailoverClient.watch).
 */
async function watch(client: FailoverClient, a: ClientArgs): Promise<string> {
  const s = series(a);
  const request = { ...s, pen: penOptions(a), initialLastN: positiveInt('--last-n', a.lastN) ?? 5 };
  const w = client.watch(request, (u, address) => printUpdate(u, s, address, a.json === true), {
    onInterrupted: (address, e) =>
      process.stderr.write(`chan: the stream from ${address} ended (UNAVAILABLE: ${e.details}); subscribing again\n`),
    onResumed: (address) => process.stderr.write(`chan: watching ${address}\n`),
  });
  process.once('SIGINT', w.cancel);
  process.once('SIGTERM', w.cancel);
  try {
    await w.done;
    // With --json, stdout holds only the updates (one JSON object a line).
    return a.json ? '' : 'stream ended';
  } finally {
    process.off('SIGINT', w.cancel);
    process.off('SIGTERM', w.cancel);
  }
}

function printUpdate(u: M.AnalysisUpdate, s: { symbol: string; timeframe: string }, address: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(u) + '\n');
    return;
  }
  const head = u.initial
    ? `${s.symbol} ${s.timeframe.replace('TIMEFRAME_', '')}: ${u.barCount} bars; watching ${address} (Ctrl-C to stop)`
    : `${iso(u.timestamp)} bar ${u.barIndex}${u.replaced ? ' (replaced)' : ''}`;
  const body = u.events.map((e) => `  ${e.type.replace('EVENT_TYPE_', '').toLowerCase().padEnd(19)} ${eventText(e)}`);
  if (u.initial || body.length > 0) process.stdout.write([head, ...body].join('\n') + '\n');
}

/** Sends the file in batches; each batch is stored whole or not at all, so a re-run resumes safely. */
async function submit(client: FailoverClient, s: { symbol: string; timeframe: string }, bars: Bars, batch: number): Promise<string> {
  const n = bars.timestamp.length;
  let inserted = 0,
    updated = 0,
    unchanged = 0,
    stored = 0;
  for (let i = 0; i < n; i += batch) {
    const b = sliceBars(bars, i, Math.min(n, i + batch));
    const klines = Array.from(b.timestamp, (_, k) => barAt(b, k));
    try {
      const r = await client.run((c) => c.submitKlines({ ...s, klines }));
      inserted += r.inserted;
      updated += r.updated;
      unchanged += r.unchanged;
      stored = r.storedCount;
    } catch (e) {
      // Report the failing bar by its row in the file, not in the batch.
      const idx = (e as { metadata?: { get(k: string): unknown[] } }).metadata?.get('bar-index')[0];
      const where = idx === undefined ? '' : ` (file row ${i + Number(idx)})`;
      const kept = i === 0 ? 'no bar of the file was stored' : `the file's rows before ${i} were stored`;
      throw Object.assign(new Error(`${(e as Error).message}${where}; ${kept}`), {
        code: (e as { code?: number }).code,
      });
    }
  }
  return `${s.symbol} ${s.timeframe.replace('TIMEFRAME_', '')}: ${n} bars sent, ${inserted} inserted, ${updated} updated, ${unchanged} unchanged; ${stored} stored`;
}

const lines = (head: string, body: string[]) => [head, ...body].join('\n');

function eventText(e: M.AnalysisEventMessage): string {
  if (e.pen) return lineOf(e.pen);
  if (e.segment) return `segment ${lineOf(e.segment)}`;
  const level = e.level === 'LEVEL_SEGMENT' ? 'segment' : 'pen';
  if (e.pivot) return `${level} pivot #${e.index} ${e.pivot.low} .. ${e.pivot.high}`;
  if (e.point)
    return `${level} ${e.point.side === 'SIDE_BUY' ? 'buy' : 'sell'} ${e.point.types.join(',')} ${e.point.price} on line ${e.index}`;
  if (e.reason) return `${level} point on line ${e.index} (${e.reason})`;
  return `${e.level ? `${level} pivot ` : ''}#${e.index}`;
}

function lineOf(p: M.PenMessage): string {
  const dir = p.direction === 'DIRECTION_UP' ? 'up  ' : 'down';
  return `#${p.index} ${dir} ${p.startPrice} -> ${p.endPrice}  ${iso(p.startTime)} .. ${iso(p.endTime)}  ${p.confirmed ? 'confirmed' : 'provisional'}`;
}

function statusText(s: M.GetStatusResponse): string {
  const failures =
    Object.entries(s.engineFailures)
      .filter(([, v]) => Number(v) > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  return [
    `engine          ${s.activeEngine} (${s.activeRole})${s.degraded ? '  DEGRADED' : ''}; primary ${s.primaryEngine}${s.primaryLoaded ? '' : ' (not loaded)'}, backup ${s.backupEngine}`,
    `failovers       ${s.failoverCount}${s.switches.length ? `  last: ${s.switches.at(-1)!.at} ${s.switches.at(-1)!.from} -> ${s.switches.at(-1)!.to} (${s.switches.at(-1)!.reason})` : ''}`,
    `engine failures ${failures}`,
    `calls           ${s.methods.map((m) => `${m.method} ${m.calls}${Number(m.errors) ? ` (${m.errors} error${Number(m.errors) === 1 ? '' : 's'})` : ''}`).join(', ') || 'none'}`,
    `cache           ${s.cacheHits} hits, ${s.cacheMisses} misses`,
    `store           ${s.store.kind} ${s.store.series} series, ${s.store.bars} bars, ${s.store.fileBytes} bytes  ${s.store.path}`,
    `versions        chan-engine ${s.version}, node ${s.nodeVersion}, ${s.store.kind} ${s.store.serverVersion}; up ${s.uptimeSeconds.toFixed(0)} s`,
  ].join('\n');
}
