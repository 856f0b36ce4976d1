// The gRPC server: ChanService, grpc.health.v1, reflection, bearer-token auth, metrics, graceful shutdown.
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { createPrivateKey, timingSafeEqual, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { pino, type Logger } from 'pino';
import type { EngineConfig } from '../config/schema.js';
import { ChanEngineError, ConfigError } from '../core/errors.js';
import type { EngineCoordinator } from '../failover/coordinator.js';
import { createNodeCoordinator } from '../node/coordinator.js';
import { whyUnreadable } from '../node/unreadable.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import { type StreamKernelFactory } from '../core/stream-kernel.js';
import { embeddedWasmStreamKernel } from '../engines/wasm/embedded.js';
import { openStore } from './open-store.js';
import type { SeriesStore } from './store.js';
import { ChanService } from './chan-service.js';
import { ServiceError, toServiceError } from './service-error.js';
import { StoreUnavailableError } from './store.js';
import { ServiceMetrics } from './metrics.js';
import { loadChanPackage, reflectionDefinition, SERVICE_NAME } from './proto.js';

export interface StartServerOptions {
  readonly logger?: Logger;
  /** Bearer token every ChanService call must present (default: the env variable named by service.auth_token_env). */
  readonly authToken?: string;
  /** Use this coordinator instead of building one from the configuration (tests inject faulty engines). */
  readonly coordinator?: EngineCoordinator;
  /** Engine of the per-bar stages of StreamAnalysis (default: WASM when it is the primary engine, with TS as fallback). */
  readonly streamKernel?: StreamKernelFactory;
  /** Engine of the hot-series analyzers (default TS: see hot-analyzers.ts; tests inject faulty ones). */
  readonly hotKernel?: StreamKernelFactory;
}

export interface RunningServer {
  readonly port: number;
  readonly metricsPort: number | null;
  readonly service: ChanService;
  readonly coordinator: EngineCoordinator;
  /** NOT_SERVING, drain in-flight calls (up to shutdown_grace_ms), stop the engines, close the store. */
  shutdown(): Promise<void>;
}

type Handler = (req: never) => unknown;

export async function startServer(config: EngineConfig, o: StartServerOptions = {}): Promise<RunningServer> {
  const sc = config.service;
  const log = o.logger ?? pino({ name: 'chan' });
  const token = o.authToken ?? process.env[sc.authTokenEnv] ?? '';
  const store: SeriesStore = await openStore(sc, log);
  let coordinator: EngineCoordinator | undefined;
  let server: grpc.Server | undefined;
  let http: HttpServer | undefined;
  try {
    coordinator = o.coordinator ?? (await createNodeCoordinator(config, { logger: log }));
    coordinator.start();
    const streamKernel = o.streamKernel ?? (config.system.primaryEngine === 'wasm' ? embeddedWasmStreamKernel() : tsStreamKernel);
    const service = new ChanService(config, store, coordinator, log, streamKernel, o.hotKernel);
    const metrics = new ServiceMetrics(coordinator, store, () => ({
      reachable: service.storeReachable && service.storeDamaged === null,
      errors: service.storeErrors,
    }));
    const pkg = loadChanPackage();

    server = new grpc.Server({
      'grpc.max_receive_message_length': sc.maxMessageBytes,
      // A client that vanished without closing its connection (power loss, a partition) would hold its
      // streams, their analyzers and their unsent updates: grpc-js sends no pings by default, and an
      // idle connection to a vanished peer stays open.
      'grpc.keepalive_time_ms': sc.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': sc.keepaliveTimeoutMs,
    });
    const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
    health.addToServer(server);
    let closing: Promise<void> | undefined;
    let shuttingDown = false;
    /** SERVING unless the store is damaged or unreachable, or the server is shutting down. */
    const updateHealth = () => {
      const s = !shuttingDown && service.storeDamaged === null && service.storeReachable ? 'SERVING' : 'NOT_SERVING';
      health.setStatus('', s);
      health.setStatus(SERVICE_NAME, s);
    };
    /** A store that returned damaged rows is not trusted again until a restart: NOT_SERVING, so clients move on. */
    const storeDamaged = (message: string) => {
      log.error({ store: store.location, err: message }, 'store damaged: NOT_SERVING');
      service.storeDamaged = message;
      service.storeErrors++;
      updateHealth();
    };
    /**
     * The store answered (or not): NOT_SERVING while it cannot be reached, SERVING again when it answers.
     * `failedCall`: a call failed on the store (counted in chan_store_errors_total), not the periodic ping.
     */
    const storeReachable = (reachable: boolean, err?: unknown, failedCall = false) => {
      if (failedCall) service.storeErrors++;
      if (service.storeReachable === reachable) return;
      service.storeReachable = reachable;
      if (reachable) log.info({ store: store.location }, 'store reachable again: SERVING');
      else log.error({ store: store.location, err: String(err) }, 'store unreachable: NOT_SERVING');
      updateHealth();
      // Writes by other instances may have been missed meanwhile: live streams catch up from the store.
      if (reachable) service.live.onSubmit('', '');
    };
    const pinging = setInterval(() => {
      store.ping().then(
        () => storeReachable(true),
        (e: unknown) => storeReachable(false, e),
      );
    }, config.system.healthCheckIntervalMs);
    pinging.unref();

    const expected = Buffer.from(`Bearer ${token}`);
    /** Throws UNAUTHENTICATED unless the call carries the token (when one is configured). */
    const authorize = (md: grpc.Metadata): void => {
      if (token === '') return;
      const got = Buffer.from(String(md.get('authorization')[0] ?? ''));
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        throw new ServiceError(grpc.status.UNAUTHENTICATED, 'missing or wrong bearer token (metadata "authorization: Bearer <token>")');
      }
    };
    // Reflection describes the API, so it follows the token like the API (the health service stays open).
    const srvForReflection = server;
    new ReflectionService(reflectionDefinition()).addToServer({
      addService: (def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) =>
        srvForReflection.addService(
          def,
          Object.fromEntries(
            Object.entries(impl).map(([name, handler]) => [
              name,
              (call: grpc.ServerDuplexStream<unknown, unknown>) => {
                try {
                  authorize(call.metadata);
                } catch (e) {
                  call.emit('error', failure('ServerReflectionInfo', e));
                  return;
                }
                (handler as (c: typeof call) => void)(call);
              },
            ]),
          ),
        ),
    } as unknown as grpc.Server);
    const countCall = (method: string) => {
      const counter = service.counters.get(method) ?? { calls: 0, errors: 0 };
      service.counters.set(method, counter);
      counter.calls++;
      return counter;
    };
    /** The gRPC error for a failed call (logged; bar index and field in the trailing metadata). */
    const failure = (method: string, e: unknown): Partial<grpc.StatusObject> => {
      const err = toServiceError(e);
      const md = new grpc.Metadata();
      if (err.index !== undefined) md.set('bar-index', String(err.index));
      if (err.field !== undefined) md.set('field', err.field);
      if (err.code === grpc.status.INTERNAL) log.error({ method, err: e }, 'internal error');
      else if (err.code === grpc.status.DATA_LOSS) storeDamaged(err.message);
      else if (e instanceof StoreUnavailableError) storeReachable(false, e, true);
      else log.info({ method, code: grpc.status[err.code], reason: err.message }, 'call rejected');
      return { code: err.code, details: err.message, metadata: md };
    };

    const coord = coordinator;
    /** Unary calls running now; shutdown waits for them, not for idle connections. */
    let inFlight = 0;
    let drained: (() => void) | null = null;
    const unary =
      (method: string, fn: Handler): grpc.handleUnaryCall<unknown, unknown> =>
      async (call, callback) => {
        const t0 = performance.now();
        const counter = countCall(method);
        let code = grpc.status.OK;
        inFlight++;
        try {
          authorize(call.metadata);
          callback(null, await fn(call.request as never));
        } catch (e) {
          const f = failure(method, e);
          code = f.code!;
          counter.errors++;
          callback(f);
        } finally {
          metrics.observe(method, coord.status().active, grpc.status[code], (performance.now() - t0) / 1000);
          if (--inFlight === 0) drained?.();
        }
      };

    /** Open StreamAnalysis calls, ended at shutdown so draining does not wait for them. */
    const streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();
    const streamAnalysis: grpc.handleServerStreamingCall<unknown, unknown> = async (call) => {
      const counter = countCall('StreamAnalysis');
      const end = (e: unknown) => {
        counter.errors++;
        call.emit('error', failure('StreamAnalysis', e));
      };
      let unsubscribe: (() => void) | null = null;
      let tooSlow = false;
      const done = () => {
        if (streams.delete(call)) unsubscribe!();
      };
      // A subscriber whose updates cannot be sent (its network stalled, or its client keeps the HTTP/2
      // window closed) is ended once an update has waited longer than
      // stream_max_lag_ms, rather than let its updates pile up; those already queued go out before the
      // status. A burst (a large SubmitKlines) queues many at once: the age, not the count, tells a
      // reader that has stopped from one that is catching up.
      /** Write times of the updates not yet sent, oldest first. */
      const queuedAt: number[] = [];
      const send = (u: unknown) => {
        if (tooSlow) return;
        const now = performance.now();
        // grpc-js sends in order: the last writableLength updates written are the unsent ones.
        while (queuedAt.length > call.writableLength) queuedAt.shift();
        if (queuedAt.length > 0 && now - queuedAt[0]! > sc.streamMaxLagMs) {
          tooSlow = true;
          done();
          end(
            new ServiceError(
              grpc.status.RESOURCE_EXHAUSTED,
              `this subscriber reads too slowly: an update waited over ${sc.streamMaxLagMs} ms unsent (service.stream_max_lag_ms); subscribe again`,
            ),
          );
          return;
        }
        queuedAt.push(now);
        call.write(u);
      };
      try {
        authorize(call.metadata);
        // The first message is written before this resolves, the updates after it in order.
        unsubscribe = await service.streamAnalysis(call.request as never, send);
        if (call.cancelled || tooSlow) {
          unsubscribe();
          return;
        }
        streams.add(call);
        call.on('cancelled', done);
        call.on('close', done);
        call.on('finish', done);
      } catch (e) {
        end(e);
      }
    };

    server.addService(pkg.TradingService.service, {
      StreamAnalysis: streamAnalysis,
      SubmitKlines: unary('SubmitKlines', (r) => service.submitKlines(r)),
      GetKlines: unary('GetKlines', (r) => service.getKlines(r)),
      CalculatePens: unary('CalculatePens', (r) => service.calculatePens(r)),
      CalculateSegments: unary('CalculateSegments', (r) => service.calculateSegments(r)),
      CalculatePivots: unary('CalculatePivots', (r) => service.calculatePivots(r)),
      GetBuySellPoints: unary('GetBuySellPoints', (r) => service.getBuySellPoints(r)),
      GetMACD: unary('GetMACD', (r) => service.getMacd(r)),
      HealthCheck: unary('HealthCheck', (r) => service.healthCheck(r)),
      GetStatus: unary('GetStatus', () => service.getStatus()),
    });

    const creds = sc.tlsCert !== '' ? tlsCredentials(sc.tlsCert, sc.tlsKey) : grpc.ServerCredentials.createInsecure();
    const srv = server;
    const port = await new Promise<number>((resolve, reject) =>
      srv.bindAsync(`${sc.host}:${sc.port}`, creds, (e, p) =>
        e ? reject(listenError(`listen on ${sc.host}:${sc.port}`, e, '--port, or service.port')) : resolve(p),
      ),
    );
    let metricsPort: number | null = null;
    if (sc.metricsEnabled) {
      ({ server: http, port: metricsPort } = await metrics
        .listen(sc.host, sc.metricsPort)
        .catch((e: Error) =>
          Promise.reject(listenError(`serve metrics on ${sc.host}:${sc.metricsPort}`, e, '--metrics-port, or service.metrics_port')),
        ));
    }
    log.info(
      {
        host: sc.host,
        port,
        metricsPort,
        store: store.location,
        tls: sc.tlsCert !== '',
        auth: token !== '',
        engine: coord.status().active,
      },
      'listening',
    );
    if (token === '' && !isLoopback(sc.host)) {
      log.warn(
        {},
        `no auth token (${sc.authTokenEnv} is not set): anyone who can reach ${sc.host} can read and write every series; set it, or listen on 127.0.0.1`,
      );
    }

    const shutdown = () =>
      (closing ??= (async () => {
        log.info({}, 'shutting down: NOT_SERVING, draining calls');
        shuttingDown = true;
        updateHealth();
        clearInterval(pinging);
        // Live streams would hold the drain open: save their analyzers and end them, UNAVAILABLE (not
        // OK: a subscription never completes, and gRPC clients retry on UNAVAILABLE).
        await service.live.saveAll();
        const ending = new ServiceError(
          grpc.status.UNAVAILABLE,
          'server shutting down: subscribe again (to another server, or to this one once it is back)',
        );
        for (const call of streams) call.emit('error', ending);
        // No new calls; the running ones get the grace period; idle connections are closed at once
        // (after a moment for the last answers to be written out).
        let closed = false;
        srv.tryShutdown(() => (closed = true));
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            log.warn({ graceMs: sc.shutdownGraceMs }, 'calls still running after the grace period: cancelled');
            resolve();
          }, sc.shutdownGraceMs);
          drained = () => {
            clearTimeout(force);
            resolve();
          };
          if (inFlight === 0) drained();
        });
        for (let i = 0; i < 20 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
        srv.forceShutdown();
        await coord.stop();
        await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
        await store.close();
        log.info({}, 'stopped');
      })());
    return { port, metricsPort, service, coordinator: coord, shutdown };
  } catch (e) {
    server?.forceShutdown();
    http?.close();
    await coordinator?.stop();
    await store.close();
    throw e;
  }
}

/** The server's TLS credentials; a file that is not PEM is named here (grpc-js fails only when binding, as if the port were at fault). */
function tlsCredentials(certPath: string, keyPath: string): grpc.ServerCredentials {
  const read = (setting: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new ConfigError(setting, `cannot read ${path}: ${whyUnreadable(e)}`);
    }
  };
  const cert = read('service.tls_cert', certPath),
    key = read('service.tls_key', keyPath);
  const pem = <T>(setting: string, path: string, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      throw new ConfigError(setting, `${path} is not a PEM ${what} (${(e as Error).message})`);
    }
  };
  const x509 = pem('service.tls_cert', certPath, 'certificate', () => new X509Certificate(cert));
  const privateKey = pem('service.tls_key', keyPath, 'private key', () => createPrivateKey(key));
  if (!x509.checkPrivateKey(privateKey)) throw new ConfigError('service.tls_key', `${keyPath} is not the private key of ${certPath}`);
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false);
}

/** A port that cannot be bound, said as what to do (grpc-js's message wraps the system's). */
function listenError(what: string, e: Error, setting: string): ChanEngineError {
  const system = /errors: \[(.*)\]$/.exec(e.message)?.[1] ?? e.message;
  const inUse = /EADDRINUSE/.test(system);
  return new ChanEngineError(
    `cannot ${what}: ${inUse ? `the address is in use (another server?); choose another port (${setting} in the config)` : system}`,
  );
}

/** Whether only this machine can reach `host`. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
