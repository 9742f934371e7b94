/**
 * A shutdown registry: subsystems register close callbacks as they start; `shutdown()` runs them in
 * reverse order (last started, first closed) within a grace period, then resolves whatever happened.
 * Processes wire SIGINT/SIGTERM to it once, in their entry point.
 */

/** A close callback with a name for logs. */
interface Closer {
  name: string;
  close: () => Promise<void> | void;
}

/** Outcome of a shutdown: which closers failed or timed out. */
export interface ShutdownReport {
  failed: { name: string; error: unknown }[];
  timedOut: boolean;
}

export class ShutdownRegistry {
  private readonly closers: Closer[] = [];
  private running: Promise<ShutdownReport> | undefined;
  private readonly controller = new AbortController();

  /** Aborted as soon as shutdown starts; long loops and waits listen to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once shutdown has started. */
  get isShuttingDown(): boolean {
    return this.running !== undefined;
  }

  /** Registers a close callback (run in reverse registration order). */
  add(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close });
  }

  /** Closes everything once; later calls return the same promise. */
  shutdown(graceMs = 10_000): Promise<ShutdownReport> {
    this.running ??= this.run(graceMs);
    return this.running;
  }

  private async run(graceMs: number): Promise<ShutdownReport> {
    this.controller.abort(new Error('shutting down'));
    const failed: ShutdownReport['failed'] = [];
    let timer: NodeJS.Timeout | undefined;
    const all = (async () => {
      for (const c of [...this.closers].reverse()) {
        try {
          await c.close();
        } catch (error) {
          failed.push({ name: c.name, error });
        }
      }
      return false;
    })();
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
      timer.unref();
    });
    const timedOut = await Promise.race([all, timeout]);
    if (timer) clearTimeout(timer);
    return { failed, timedOut };
  }

  /**
   * Wires SIGINT and SIGTERM to shutdown, then calls `onDone` with the report (the entry point
   * logs it and exits). A second signal exits at once with code 130.
   */
  installSignalHandlers(onDone: (report: ShutdownReport, signal: string) => void, graceMs?: number): void {
    const handler = (signal: NodeJS.Signals): void => {
      if (this.isShuttingDown) process.exit(130);
      void this.shutdown(graceMs).then((r) => onDone(r, signal));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }
}
