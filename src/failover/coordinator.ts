// Owns the primary (normally WASM) and backup (normally TS) engines and routes every call to the
// active one. A failed
// primary call (throw/trap, timeout, invalid output, shadow mismatch) is answered by the backup at
// once; after `maxFailuresBeforeSwitch` consecutive failures the backup becomes active, and after
// `failbackHealthyChecks` consecutive healthy canary checks the primary takes over again.
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions } from '../core/options.js';
import type { AnalysisResult, Bars } from '../core/types.js';
import { validateBars } from '../core/validate.js';
import { EngineFailureError, EngineTimeoutError, InputFaultError, type FailureKind } from '../core/errors.js';
import type { EngineBackend } from './backend.js';
import { canaryBars, CANARY_FINGERPRINT, CANARY_OPTIONS } from './canary.js';
import { fingerprint } from './fingerprint.js';
import { checkOutput } from './output-check.js';

export type EngineName = 'wasm' | 'ts';
export type Role = 'primary' | 'backup';

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CoordinatorOptions {
  /** Creates the primary engine; a throw is a load failure and the backup starts active. */
  readonly createPrimary: () => EngineBackend | Promise<EngineBackend>;
  readonly primaryName: EngineName;
  readonly backup: EngineBackend;
  readonly failoverEnabled: boolean;
  readonly maxFailuresBeforeSwitch: number;
  readonly responseTimeoutMs: number;
  readonly healthCheckIntervalMs: number;
  readonly failbackEnabled: boolean;
  readonly failbackHealthyChecks: number;
  /** Fraction of primary calls also run on the backup and compared (0 = off). */
  readonly shadowFraction: number;
  readonly logger?: Logger;
}

export interface SwitchEvent {
  readonly at: string;
  readonly from: Role;
  readonly to: Role;
  readonly reason: string;
}

export interface FailureRecord {
  readonly at: string;
  readonly role: Role;
  readonly kind: FailureKind;
  readonly message: string;
}

export interface CoordinatorStatus {
  /** Engine serving calls now, and its role. */
  readonly active: EngineName;
  readonly activeRole: Role;
  readonly primaryEngine: EngineName;
  readonly backupEngine: EngineName;
  /** True while the backup serves. */
  readonly degraded: boolean;
  readonly primaryLoaded: boolean;
  readonly calls: number;
  readonly primaryCalls: number;
  readonly backupCalls: number;
  readonly failures: Readonly<Record<FailureKind, number>>;
  readonly consecutiveFailures: number;
  readonly consecutiveHealthyChecks: number;
  readonly healthChecks: number;
  readonly lastError: FailureRecord | null;
  readonly lastHealthCheck: { readonly at: string; readonly primaryHealthy: boolean; readonly backupHealthy: boolean } | null;
  /** The most recent switches (up to 100). */
  readonly switches: readonly SwitchEvent[];
  /** Every switch since start, including those dropped from `switches`. */
  readonly switchCount: number;
}

const noopLogger: Logger = { info() {}, warn() {}, error() {} };
const MAX_HISTORY = 100;

export class EngineCoordinator {
  private primary: EngineBackend | null = null;
  private active: Role = 'backup';
  private readonly log: Logger;
  private timer: ReturnType<typeof setInterval> | undefined;
  private shadowDebt = 0;
  private checking: Promise<void> | null = null;
  private readonly canary = canaryBars();
  private readonly s = {
    calls: 0,
    primaryCalls: 0,
    backupCalls: 0,
    failures: { load: 0, error: 0, timeout: 0, 'invalid-output': 0, 'shadow-mismatch': 0, canary: 0 } as Record<FailureKind, number>,
    consecutiveFailures: 0,
    consecutiveHealthyChecks: 0,
    healthChecks: 0,
    lastError: null as FailureRecord | null,
    lastHealthCheck: null as CoordinatorStatus['lastHealthCheck'],
    switches: [] as SwitchEvent[],
    switchCount: 0,
  };

  private constructor(private readonly o: CoordinatorOptions) {
    this.log = o.logger ?? noopLogger;
  }

  /** Loads the primary (a failure leaves the backup active) and returns the coordinator. */
  static async create(o: CoordinatorOptions): Promise<EngineCoordinator> {
    const c = new EngineCoordinator(o);
    if (await c.loadPrimary()) c.active = 'primary';
    return c;
  }

  private async loadPrimary(): Promise<boolean> {
    try {
      this.primary = await this.o.createPrimary();
      return true;
    } catch (e) {
      this.primary = null;
      this.fail('primary', 'load', e);
      this.log.error({ err: String(e) }, 'primary engine failed to load; the backup engine serves');
      return false;
    }
  }

  status(): CoordinatorStatus {
    const s = this.s;
    return {
      active: this.active === 'primary' ? this.o.primaryName : this.o.backup.name,
      activeRole: this.active,
      primaryEngine: this.o.primaryName,
      backupEngine: this.o.backup.name,
      degraded: this.active !== 'primary',
      primaryLoaded: this.primary !== null,
      calls: s.calls,
      primaryCalls: s.primaryCalls,
      backupCalls: s.backupCalls,
      failures: { ...s.failures },
      consecutiveFailures: s.consecutiveFailures,
      consecutiveHealthyChecks: s.consecutiveHealthyChecks,
      healthChecks: s.healthChecks,
      lastError: s.lastError,
      lastHealthCheck: s.lastHealthCheck,
      switches: [...s.switches],
      switchCount: s.switchCount,
    };
  }

  /** Validates the input (a BarValidationError/ConfigError is the caller's, not an engine failure), then analyses. */
  async analyze(bars: Bars, options: PartialAnalysisOptions | AnalysisOptions = {}): Promise<AnalysisResult> {
    const opt = resolveOptions(options);
    validateBars(bars);
    this.s.calls++;
    const primary = this.primary;
    if (this.active !== 'primary' || primary === null) return this.onBackup(bars, opt);
    this.s.primaryCalls++;
    let result: AnalysisResult;
    let late: boolean;
    try {
      ({ result, late } = await this.runChecked(primary, bars, opt));
    } catch (e) {
      const kind = failureKind(e);
      if (!this.o.failoverEnabled) {
        this.fail('primary', kind, e);
        throw e instanceof EngineFailureError ? e : new EngineFailureError(kind, errorMessage(e), e);
      }
      // The backup answers. If it fails on this input too, the input is at fault: neither engine is.
      const answer = await this.onBackup(bars, opt, false).catch((b: unknown) => {
        throw new InputFaultError(`the input cannot be analysed (both engines fail on it): ${detailOf(b)}`);
      });
      this.fail('primary', kind, e);
      return answer;
    }
    if (this.shadowDue()) {
      const reference = await this.onBackup(bars, opt);
      const a = fingerprint(result),
        b = fingerprint(reference);
      if (a !== b) {
        this.fail('primary', 'shadow-mismatch', new Error(`fingerprint ${a} != backup ${b}`));
        this.log.error({ reproducer: reproducer(bars, opt) }, 'primary and backup disagree; reproducer attached');
        if (!this.o.failoverEnabled) throw new EngineFailureError('shadow-mismatch', `primary result ${a} differs from backup ${b}`);
        return reference;
      }
    }
    // An in-process call cannot be interrupted; one that returned late is still a failure.
    if (late)
      this.fail('primary', 'timeout', new EngineTimeoutError(`primary engine answered after the ${this.o.responseTimeoutMs} ms limit`));
    else this.s.consecutiveFailures = 0;
    return result;
  }

  /** Runs a call and checks its answer (EngineFailureError when invalid); `late` if it overran a non-interruptible limit. */
  private async runChecked(engine: EngineBackend, bars: Bars, opt: AnalysisOptions): Promise<{ result: AnalysisResult; late: boolean }> {
    // The limit is per started million bars: a call on 3M bars gets three times as long.
    const timeout = this.o.responseTimeoutMs * Math.max(1, Math.ceil(bars.high.length / 1_000_000));
    const t0 = performance.now();
    const result = await engine.analyze(bars, opt, timeout);
    const late = !engine.interruptible && performance.now() - t0 > timeout;
    const problem = checkOutput(result, bars, opt);
    if (problem !== null)
      throw new EngineFailureError('invalid-output', `${engine.name} engine returned invalid output: ${problem}`, undefined, problem);
    return { result, late };
  }

  /** The backup's answer; `count`: a failure of it counts (not when it only reproduces the primary's). */
  private async onBackup(bars: Bars, opt: AnalysisOptions, count = true): Promise<AnalysisResult> {
    this.s.backupCalls++;
    try {
      const { result, late } = await this.runChecked(this.o.backup, bars, opt);
      if (late)
        this.fail('backup', 'timeout', new EngineTimeoutError(`backup engine answered after the ${this.o.responseTimeoutMs} ms limit`));
      return result;
    } catch (e) {
      if (count) this.fail('backup', failureKind(e), e);
      throw e;
    }
  }

  private shadowDue(): boolean {
    const f = this.o.shadowFraction;
    if (f <= 0) return false;
    // Deterministic sampling: every 1/f-th primary call.
    this.shadowDebt += f;
    if (this.shadowDebt < 1) return false;
    this.shadowDebt -= 1;
    return true;
  }

  private fail(role: Role, kind: FailureKind, err: unknown): void {
    const s = this.s;
    s.failures[kind]++;
    s.lastError = { at: new Date().toISOString(), role, kind, message: errorMessage(err) };
    if (role !== 'primary') return;
    s.consecutiveFailures++;
    s.consecutiveHealthyChecks = 0;
    this.log.warn({ kind, err: s.lastError.message, consecutive: s.consecutiveFailures }, 'primary engine failure');
    if (this.active === 'primary' && this.o.failoverEnabled && s.consecutiveFailures >= this.o.maxFailuresBeforeSwitch) {
      this.switchTo('backup', `${s.consecutiveFailures} consecutive failures, last: ${kind}`);
    }
  }

  private switchTo(to: Role, reason: string): void {
    if (this.active === to) return;
    const e = { at: new Date().toISOString(), from: this.active, to, reason };
    this.active = to;
    this.s.switches.push(e);
    this.s.switchCount++;
    if (this.s.switches.length > MAX_HISTORY) this.s.switches.shift();
    this.s.consecutiveFailures = 0;
    this.s.consecutiveHealthyChecks = 0;
    this.log.warn(e, `switched to the ${to} engine`);
  }

  /**
   * Runs the canary on both engines. An unhealthy primary counts as a failure; while the backup is
   * active, consecutive healthy primary checks lead back to it (failback).
   */
  healthCheck(): Promise<void> {
    // One check at a time; a caller arriving during a check waits for it.
    this.checking ??= this.runHealthCheck().finally(() => (this.checking = null));
    return this.checking;
  }

  private async runHealthCheck(): Promise<void> {
    const s = this.s;
    s.healthChecks++;
    if (this.primary === null) await this.loadPrimary();
    const primaryProblem = this.primary === null ? 'not loaded' : await this.canaryProblem(this.primary);
    const backupProblem = await this.canaryProblem(this.o.backup);
    s.lastHealthCheck = { at: new Date().toISOString(), primaryHealthy: primaryProblem === null, backupHealthy: backupProblem === null };
    if (backupProblem !== null) this.fail('backup', 'canary', new Error(backupProblem));
    if (primaryProblem !== null) {
      if (this.primary !== null) this.fail('primary', 'canary', new Error(primaryProblem));
      return;
    }
    s.consecutiveHealthyChecks++;
    if (
      this.active === 'backup' &&
      this.o.failoverEnabled &&
      this.o.failbackEnabled &&
      s.consecutiveHealthyChecks >= this.o.failbackHealthyChecks
    ) {
      this.switchTo('primary', `${s.consecutiveHealthyChecks} consecutive healthy checks`);
    }
  }

  /** Null when the engine answers the canary correctly and in time, else what went wrong. */
  private async canaryProblem(engine: EngineBackend): Promise<string | null> {
    try {
      const { result, late } = await this.runChecked(engine, this.canary, CANARY_OPTIONS);
      if (late) return `canary answered after the ${this.o.responseTimeoutMs} ms limit`;
      const f = fingerprint(result);
      return f === CANARY_FINGERPRINT ? null : `canary fingerprint ${f}, expected ${CANARY_FINGERPRINT}`;
    } catch (e) {
      return `canary call failed: ${errorMessage(e)}`;
    }
  }

  /** Starts periodic health checks (the timer does not keep a Node process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.healthCheck(), this.o.healthCheckIntervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    await this.primary?.dispose();
    await this.o.backup.dispose();
  }
}

function failureKind(e: unknown): FailureKind {
  return e instanceof EngineFailureError ? e.kind : e instanceof EngineTimeoutError ? 'timeout' : 'error';
}

function detailOf(e: unknown): string {
  return e instanceof EngineFailureError ? e.detail : errorMessage(e);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Everything needed to replay a call: the options and the bars as plain arrays. */
function reproducer(bars: Bars, opt: AnalysisOptions): string {
  const cols = Object.fromEntries(Object.entries(bars).map(([k, v]) => [k, Array.from(v as Float64Array)]));
  return JSON.stringify({ options: opt, bars: cols });
}
