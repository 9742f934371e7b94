/**
 * Logging and metrics seams. Library code takes a `Logger` (the pino subset below, so a pino logger
 * fits as is) and never creates one; tests pass `noopLogger`. Processes (operator, aggregator) build
 * their prom-client metrics themselves on one Registry per process; library code that wants to
 * count something takes the tiny `Counter`/`Histogram` shapes below, or `null` for no metrics.
 *
 * Metric naming (DESIGN section 8):
 * - EigenLayer node-spec metrics keep their exact names: `eigen_performance_score`,
 *   `eigen_registered_stakes`, `eigen_rpc_request_duration_seconds`, `eigen_rpc_request_total`.
 * - Everything else is `aioracle_<component>_<name>_<unit>`: counters end `_total`, durations are
 *   `_seconds`, sizes `_bytes`; base units only.
 * - Labels are bounded (model id, quorum, outcome, error code); never task ids, addresses of
 *   requesters or other unbounded values.
 * - Histogram buckets fit what they measure (inference up to minutes, quorum latency in blocks/s).
 *
 * Log levels: `fatal` the process must stop; `error` an operation failed and needs a person;
 * `warn` something unexpected that the process handled; `info` lifecycle and one line per task
 * outcome; `debug` per-step detail; `trace` payloads. Context goes in fields (`taskId`,
 * `operatorId`, `modelId`), never secrets (keys, passwords, keystore contents).
 */

/** One log method: a context object and a message, or just a message (pino's signatures). */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

/** The pino-compatible logger subset library code uses. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose every line carries `bindings` (e.g. { component: 'taskWatcher' }). */
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => undefined;

/** A logger that drops everything (tests, library defaults). */
export const noopLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => noopLogger,
};

/** One line kept by {@link recordingLogger}. */
export interface RecordedLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** The merged object (bindings of child loggers included); a string first argument becomes `msg`. */
  obj: Record<string, unknown>;
  msg?: string;
}

/** A logger that keeps every line in memory (tests that assert what a service logged). */
export function recordingLogger(): Logger & { lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: RecordedLine['level']): LogFn =>
      (a: unknown, b?: unknown) => {
        if (typeof a === 'string') lines.push({ level, obj: { ...bindings }, msg: a });
        else lines.push({ level, obj: { ...bindings, ...(a as Record<string, unknown>) }, ...(typeof b === 'string' ? { msg: b } : {}) });
      };
    return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: (more) => make({ ...bindings, ...more }) };
  };
  return Object.assign(make({}), { lines });
}

/** Label values of one metric sample (bounded sets only; see the module comment). */
export type MetricLabels = Record<string, string | number>;

/** The prom-client Counter subset library code may call. */
export interface Counter {
  inc(labels?: MetricLabels, value?: number): void;
}

/** The prom-client Histogram subset library code may call (observe in base units, e.g. seconds). */
export interface Histogram {
  observe(labels: MetricLabels, value: number): void;
}

/** The prom-client Gauge subset library code may call. */
export interface Gauge {
  set(labels: MetricLabels, value: number): void;
}
