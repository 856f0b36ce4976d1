// Promise clients for the service: ChanClient talks to one address; FailoverClient health-checks a
// list of addresses (primary first) and sends each call to the first one that is serving.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { EnumCheck } from './enum-check.js';
import type * as M from './messages.js';
import { loadChanPackage, SERVICE_NAME } from './proto.js';
import { watchAnalysis, type WatchOptions } from './watch.js';

export type { WatchOptions };

export interface ClientOptions {
  /** Bearer token sent as "authorization: Bearer <token>". */
  readonly token?: string;
  /** PEM CA certificate: connect with TLS. */
  readonly caFile?: string;
  /** Per-call deadline (default 30 s). */
  readonly deadlineMs?: number;
  readonly maxMessageBytes?: number;
  /** Extra grpc-js channel options (e.g. 'grpc.use_local_subchannel_pool': 1 for a connection of its own). */
  readonly channelOptions?: grpc.ChannelOptions;
}

type Unary = (req: unknown, md: grpc.Metadata, opt: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void;

export class ChanClient {
  private readonly raw: grpc.Client & Record<string, Unary>;
  private readonly health: grpc.Client & Record<string, Unary>;
  private readonly enums: EnumCheck;

  constructor(
    readonly address: string,
    private readonly o: ClientOptions = {},
  ) {
    const pkg = loadChanPackage();
    const creds = o.caFile ? grpc.credentials.createSsl(readFileSync(o.caFile)) : grpc.credentials.createInsecure();
    const options = { 'grpc.max_receive_message_length': o.maxMessageBytes ?? 256 * 1024 * 1024, ...o.channelOptions };
    this.raw = new pkg.TradingService(address, creds, options) as never;
    this.health = new pkg.Health(address, creds, options) as never;
    this.enums = pkg.enums;
  }

  /** The INVALID_ARGUMENT error of a request that cannot be sent as it is, or null. */
  private refused(method: string, req: unknown): grpc.ServiceError | null {
    const problem = this.enums.problem(method, req);
    if (problem === null) return null;
    return Object.assign(new Error(`${grpc.status.INVALID_ARGUMENT} INVALID_ARGUMENT: ${problem}`), {
      code: grpc.status.INVALID_ARGUMENT,
      details: problem,
      metadata: new grpc.Metadata(),
    });
  }

  private call<R>(client: Record<string, Unary>, method: string, req: unknown, deadlineMs = this.o.deadlineMs ?? 30_000): Promise<R> {
    const refused = this.refused(method, req);
    if (refused !== null) return Promise.reject(refused);
    const md = new grpc.Metadata();
    if (this.o.token) md.set('authorization', `Bearer ${this.o.token}`);
    return new Promise((resolve, reject) =>
      client[method]!.call(client, req, md, { deadline: Date.now() + deadlineMs }, (e, r) => (e ? reject(e) : resolve(r as R))),
    );
  }

  submitKlines(r: M.SubmitKlinesRequest): Promise<M.SubmitKlinesResponse> {
    return this.call(this.raw, 'SubmitKlines', r);
  }
  getKlines(r: M.GetKlinesRequest): Promise<M.GetKlinesResponse> {
    return this.call(this.raw, 'GetKlines', r);
  }
  calculatePens(r: M.CalculatePensRequest): Promise<M.CalculatePensResponse> {
    return this.call(this.raw, 'CalculatePens', r);
  }
  calculateSegments(r: M.CalculateSegmentsRequest): Promise<M.CalculateSegmentsResponse> {
    return this.call(this.raw, 'CalculateSegments', r);
  }
  calculatePivots(r: M.StructureRequest): Promise<M.CalculatePivotsResponse> {
    return this.call(this.raw, 'CalculatePivots', r);
  }
  getBuySellPoints(r: M.StructureRequest): Promise<M.GetBuySellPointsResponse> {
    return this.call(this.raw, 'GetBuySellPoints', r);
  }
  getMacd(r: M.GetMACDRequest): Promise<M.GetMACDResponse> {
    return this.call(this.raw, 'GetMACD', r);
  }
  healthCheck(r: M.HealthCheckRequest = {}): Promise<M.HealthCheckResponse> {
    return this.call(this.raw, 'HealthCheck', r);
  }
  getStatus(): Promise<M.GetStatusResponse> {
    return this.call(this.raw, 'GetStatus', {});
  }

  /**
   * Subscribes to live updates; `onUpdate` gets the initial state, then one update per bar. `done`
   * resolves after `cancel()`, and rejects with the status when the stream ends otherwise (a server
   * shutting down ends it UNAVAILABLE: subscribe again); handle it, as any promise that can reject.
   */
  streamAnalysis(r: M.StreamAnalysisRequest, onUpdate: (u: M.AnalysisUpdate) => void): { cancel: () => void; done: Promise<void> } {
    const refused = this.refused('StreamAnalysis', r);
    if (refused !== null) return { cancel: () => {}, done: Promise.reject(refused) };
    const md = new grpc.Metadata();
    if (this.o.token) md.set('authorization', `Bearer ${this.o.token}`);
    const call = (
      this.raw as unknown as Record<string, (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<M.AnalysisUpdate>>
    ).StreamAnalysis!.call(this.raw, r, md);
    let cancelled = false;
    call.on('data', onUpdate);
    const done = new Promise<void>((resolve, reject) => {
      call.on('end', () => resolve());
      call.on('error', (e: grpc.ServiceError) => (cancelled && e.code === grpc.status.CANCELLED ? resolve() : reject(e)));
    });
    return {
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
      done,
    };
  }

  /** Health checks on their way, by deadline. */
  private readonly checking = new Map<number, Promise<boolean>>();

  /**
   * The standard grpc.health.v1 check; any failure (down, unreachable, slow) counts as not serving.
   * A caller that asks while a check with the same deadline is on its way shares that one.
   */
  serving(deadlineMs = 1000): Promise<boolean> {
    let verdict = this.checking.get(deadlineMs);
    if (verdict === undefined) {
      verdict = this.call<{ status: string }>(this.health, 'Check', { service: SERVICE_NAME }, deadlineMs).then(
        (r) => r.status === 'SERVING',
        () => false,
      );
      // Registered first, so the check is forgotten before any caller hears its verdict.
      void verdict.then(() => this.checking.delete(deadlineMs));
      this.checking.set(deadlineMs, verdict);
    }
    return verdict;
  }

  /** The next periodic check: when it starts (ms since the epoch) and its verdict. */
  private tick: { at: number; verdict: Promise<boolean> } | null = null;

  /**
   * The verdict of a health check (as serving()) that starts within `intervalMs` from now: every
   * caller that asks before it starts shares it, so the calls and subscriptions that watch this
   * address cost one check per interval, however many they are.
   */
  nextCheck(intervalMs: number, deadlineMs: number): Promise<boolean> {
    const now = Date.now();
    if (this.tick === null || this.tick.at <= now || this.tick.at > now + intervalMs) {
      // Not keeping the process alive: a waiting call or stream does that.
      const start = new Promise((r) => setTimeout(r, intervalMs).unref());
      this.tick = { at: now + intervalMs, verdict: start.then(() => this.serving(deadlineMs)) };
    }
    return this.tick.verdict;
  }

  close(): void {
    this.raw.close();
    this.health.close();
  }
}

/** Errors that mean "this server cannot answer now", as opposed to "the request is wrong". */
const RETRY_ELSEWHERE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

export interface FailoverClientOptions extends ClientOptions {
  /**
   * While a call waits for its answer, the server is health-checked this often, and while a later
   * address is in use the preferred ones are (default 1000 ms, the service's health_check_interval_ms).
   */
  readonly healthCheckIntervalMs?: number;
  /** A health check not answered within this fails (default 500 ms, the service's response_timeout_ms). */
  readonly responseTimeoutMs?: number;
}

export class FailoverClient {
  private readonly clients: ChanClient[];
  private activeIndex = 0;
  private lastRecheck = 0;
  readonly switches: { at: string; from: string; to: string }[] = [];

  constructor(
    addresses: readonly string[],
    private readonly o: FailoverClientOptions = {},
  ) {
    if (addresses.length === 0) throw new Error('FailoverClient needs at least one address');
    this.clients = addresses.map((a) => new ChanClient(a, o));
  }

  /** The client of the active address (a call sent there alone, without failover; watch() is the stream that follows the serving address). */
  get first(): ChanClient {
    return this.clients[this.activeIndex]!;
  }

  get active(): string {
    return this.clients[this.activeIndex]!.address;
  }

  private get interval(): number {
    return this.o.healthCheckIntervalMs ?? 1000;
  }

  private get healthTimeout(): number {
    return this.o.responseTimeoutMs ?? 500;
  }

  /**
   * Runs `fn` on the active server; when that server is unavailable, tries the others in order. While
   * a call waits, its server is health-checked every interval; when a check fails (a stopped or hung
   * process, or one too busy to answer in time) the call is also sent to the next server, and the
   * first answer is taken: the first call keeps running, so a busy server's answer is not lost, and
   * with no other server the call simply waits for its own (every call is idempotent, so one that
   * completes on two servers does no harm). While a later address is active, the earlier (preferred)
   * ones are re-checked every interval; the first serving one takes over again.
   */
  async run<R>(fn: (c: ChanClient) => Promise<R>): Promise<R> {
    if (this.activeIndex > 0 && Date.now() - this.lastRecheck >= this.interval) {
      this.lastRecheck = Date.now();
      for (let i = 0; i < this.activeIndex; i++) {
        if (await this.clients[i]!.serving(this.healthTimeout)) {
          this.switchTo(i);
          break;
        }
      }
    }
    const n = this.clients.length,
      first = this.activeIndex;
    return new Promise<R>((resolve, reject) => {
      let done = false,
        next = 0,
        running = 0,
        starting = 0,
        lastError: unknown;
      const end = () => {
        done = true;
      };
      const giveUp = () => {
        if (done || running > 0 || starting > 0 || next < n) return;
        end();
        reject(lastError ?? Object.assign(new Error('no server is serving'), { code: grpc.status.UNAVAILABLE }));
      };
      // Sends the call to the next server in order (a fallback only when its health check says SERVING).
      const tryNext = async (): Promise<void> => {
        while (!done && next < n) {
          const attempt = next++;
          const i = (first + attempt) % n;
          const c = this.clients[i]!;
          if (attempt > 0) {
            // Counted while its health is checked, so that a call failing meanwhile does not give up.
            starting++;
            const serving = await c.serving(this.healthTimeout);
            starting--;
            if (!serving) continue;
          }
          if (done) return;
          running++;
          let movedOn = false,
            over = false;
          const check = (): void =>
            void c.nextCheck(this.interval, this.healthTimeout).then((ok) => {
              if (done || over) return;
              if (!ok && !movedOn) {
                movedOn = true;
                void tryNext();
              }
              check();
            });
          check();
          // A throw while the request is made (a bad argument) is a rejection like any other.
          new Promise<R>((ok) => ok(fn(c))).then(
            (v) => {
              if (done) return;
              end();
              this.switchTo(i);
              resolve(v);
            },
            (e: unknown) => {
              running--;
              over = true;
              if (done) return;
              if (!RETRY_ELSEWHERE.has((e as grpc.ServiceError).code)) {
                end();
                reject(e);
                return;
              }
              lastError = e;
              if (!movedOn) {
                movedOn = true;
                void tryNext();
              } else giveUp();
            },
          );
          return;
        }
        giveUp();
      };
      void tryNext();
    });
  }

  /**
   * A StreamAnalysis subscription that outlives its server: when the stream ends UNAVAILABLE (its
   * server shutting down or gone) or its server fails a health check (a hung or stopped process;
   * checked every healthCheckIntervalMs, as a call's), it subscribes again on the first address, in
   * order, that serves, trying for up to `resubscribeWithinMs` (default 30 s). On a later address it
   * moves back to a preferred one that serves again once that one's stream has sent its first message.
   * A new stream's first message is the whole state again (`initial`). `onUpdate` is told which
   * address each update came from. `done` resolves after `cancel()` (at once, also while waiting for
   * a server) or when a server ends the stream OK, and rejects with the status of any other end, or
   * UNAVAILABLE when no server served in time.
   */
  watch(
    request: M.StreamAnalysisRequest,
    onUpdate: (u: M.AnalysisUpdate, address: string) => void,
    o: WatchOptions = {},
  ): { cancel: () => void; done: Promise<void> } {
    const host = {
      clients: this.clients,
      activeIndex: this.activeIndex,
      intervalMs: this.interval,
      healthTimeoutMs: this.healthTimeout,
      switchTo: (i: number) => this.switchTo(i),
    };
    return watchAnalysis(host, request, onUpdate, o);
  }

  private switchTo(i: number): void {
    if (i === this.activeIndex) return;
    this.switches.push({ at: new Date().toISOString(), from: this.active, to: this.clients[i]!.address });
    this.activeIndex = i;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}
