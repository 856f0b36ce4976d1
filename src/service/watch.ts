// FailoverClient.watch: a StreamAnalysis subscription that follows the serving address. A stream's
// server can go in two ways: it ends the stream (shutting down: UNAVAILABLE), or it stops answering
// (a hung or stopped process keeps the connection open and the stream simply goes quiet). The second
// is seen only by health-checking the server, as FailoverClient.run does for a call.
import * as grpc from '@grpc/grpc-js';
import type * as M from './messages.js';

export interface WatchOptions {
  /** How long to try subscribing again after a stream was lost (default 30,000 ms). */
  readonly resubscribeWithinMs?: number;
  /** The stream from `address` ended UNAVAILABLE, or its server stopped answering health checks; a serving address is being looked for. */
  readonly onInterrupted?: (address: string, error: grpc.ServiceError) => void;
  /** Subscribed again, on `address` (after an interruption, or back on a preferred address that serves again). */
  readonly onResumed?: (address: string) => void;
}

/** What a watch needs of a client of one address (a ChanClient). */
export interface WatchedServer {
  readonly address: string;
  serving(deadlineMs: number): Promise<boolean>;
  nextCheck(intervalMs: number, deadlineMs: number): Promise<boolean>;
  streamAnalysis(r: M.StreamAnalysisRequest, onUpdate: (u: M.AnalysisUpdate) => void): { cancel: () => void; done: Promise<void> };
}

/** What a watch needs of its FailoverClient. */
export interface WatchHost {
  /** The addresses' clients, in order of preference. */
  readonly clients: readonly WatchedServer[];
  readonly activeIndex: number;
  readonly intervalMs: number;
  readonly healthTimeoutMs: number;
  switchTo(i: number): void;
}

interface Subscription {
  readonly index: number;
  readonly address: string;
  /** Its first message (the whole state) arrived. */
  delivered: boolean;
  readonly cancel: () => void;
  /** Resolves after an OK end or cancel(); rejects with the status of any other end. */
  readonly done: Promise<void>;
}

type Outcome = { kind: 'ended' } | { kind: 'lost'; error: grpc.ServiceError } | { kind: 'moved'; to: Subscription };

function unavailable(details: string): grpc.ServiceError {
  return Object.assign(new Error(`${grpc.status.UNAVAILABLE} UNAVAILABLE: ${details}`), {
    code: grpc.status.UNAVAILABLE,
    details,
    metadata: new grpc.Metadata(),
  });
}

export function watchAnalysis(
  host: WatchHost,
  request: M.StreamAnalysisRequest,
  onUpdate: (u: M.AnalysisUpdate, address: string) => void,
  o: WatchOptions,
): { cancel: () => void; done: Promise<void> } {
  let stopped = false,
    wake = () => {},
    current: Subscription | null = null;
  const cancelled = new Promise<void>((r) => (wake = r));
  const pause = (ms: number) => Promise.race([cancelled, new Promise((r) => setTimeout(r, ms))]);
  const serving = (i: number) => Promise.race([cancelled.then(() => false), host.clients[i]!.serving(host.healthTimeoutMs)]);
  /** Address i's verdict in the periodic check the client's calls and subscriptions share (ChanClient.nextCheck). */
  const ticked = (i: number, intervalMs = host.intervalMs) =>
    Promise.race([cancelled.then(() => false), host.clients[i]!.nextCheck(intervalMs, host.healthTimeoutMs)]);

  /** A stream on address i; its updates reach onUpdate while it is the current one. */
  const open = (i: number, onFirst?: (s: Subscription) => void): Subscription => {
    const c = host.clients[i]!;
    const s = c.streamAnalysis(request, (u) => {
      if (!sub.delivered) {
        sub.delivered = true;
        onFirst?.(sub);
      }
      if (current === sub) onUpdate(u, c.address);
    });
    const sub: Subscription = { index: i, address: c.address, delivered: false, cancel: s.cancel, done: s.done };
    return sub;
  };

  /**
   * Follows `sub` until it ends, until its server fails a health check (every interval), or until a
   * preferred address serves again: a stream is then opened there, and it takes over at its first
   * message (the whole state), so a preferred server that cannot stream leaves this one in place.
   */
  const follow = (sub: Subscription): Promise<Outcome> =>
    new Promise((settle) => {
      let over = false,
        trial: Subscription | null = null;
      const end = (r: Outcome) => {
        if (over) return;
        over = true;
        if (trial !== null && !(r.kind === 'moved' && r.to === trial)) trial.cancel();
        settle(r);
      };
      sub.done.then(
        () => end({ kind: 'ended' }),
        (e: grpc.ServiceError) => end({ kind: 'lost', error: e }),
      );
      void cancelled.then(() => end({ kind: 'ended' }));
      const takeOver = (t: Subscription) => {
        if (over) return;
        current = t;
        end({ kind: 'moved', to: t });
        sub.cancel();
        host.switchTo(t.index);
        o.onResumed?.(t.address);
      };
      // Each interval: this address's check, and the preferred ones' (the next round once all answered).
      const check = () => {
        const own = ticked(sub.index);
        void own.then((ok) => {
          if (!ok)
            end({
              kind: 'lost',
              error: unavailable(`${sub.address} did not answer its health check as SERVING within ${host.healthTimeoutMs} ms`),
            });
        });
        void Promise.all([own, ...Array.from({ length: sub.index }, (_, j) => ticked(j))]).then(([ok, ...preferred]) => {
          if (over || !ok) return;
          const j = preferred.indexOf(true);
          if (trial === null && j >= 0) {
            const t = open(j, takeOver);
            trial = t;
            // A trial stream that ends before its first message is dropped; one is tried again later.
            const drop = () => {
              if (trial === t && !t.delivered) trial = null;
            };
            t.done.then(drop, drop);
          }
          check();
        });
      };
      check();
    });

  /** The first address, in order of preference, that serves (the one just lost is asked again from the second round); -1 once cancelled. */
  const findServing = async (lost: number): Promise<number> => {
    const until = Date.now() + (o.resubscribeWithinMs ?? 30_000),
      n = host.clients.length;
    // The first round asks at once; the next ones every 500 ms, in checks shared with the client's other subscriptions.
    for (let i = 0; i < n; i++) {
      if (i === lost && n > 1) continue;
      if (await serving(i)) return stopped ? -1 : i;
      if (stopped) return -1;
    }
    // The shared checks' timers do not keep the process alive (a waiting call or a stream does): a watch waiting for a server does.
    const hold = setInterval(() => {}, 60_000);
    try {
      for (;;) {
        if (Date.now() >= until) {
          const addresses = host.clients.map((c) => c.address).join(', ');
          throw unavailable(`no server of ${addresses} is serving (tried for ${o.resubscribeWithinMs ?? 30_000} ms)`);
        }
        const i = (await Promise.all(host.clients.map((_, j) => ticked(j, 500)))).indexOf(true);
        if (stopped) return -1;
        if (i >= 0) return i;
      }
    } finally {
      clearInterval(hold);
    }
  };

  const done = (async () => {
    let sub = open(host.activeIndex);
    current = sub;
    for (;;) {
      const r = await follow(sub);
      if (stopped || r.kind === 'ended') return;
      if (r.kind === 'moved') {
        sub = r.to;
        continue;
      }
      sub.cancel();
      if (r.error.code !== grpc.status.UNAVAILABLE) throw r.error;
      o.onInterrupted?.(sub.address, r.error);
      // A stream that ended before its first message (a server that says SERVING yet cannot stream):
      // ask again after a pause, not in a tight loop.
      if (!sub.delivered) await pause(500);
      const i = await findServing(sub.index);
      if (i < 0) return;
      host.switchTo(i);
      o.onResumed?.(host.clients[i]!.address);
      sub = open(i);
      current = sub;
    }
  })();
  return {
    cancel: () => {
      stopped = true;
      wake();
      current?.cancel();
    },
    done,
  };
}
