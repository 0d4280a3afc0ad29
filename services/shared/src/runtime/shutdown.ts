/**
 * Graceful shutdown on SIGINT/SIGTERM: run the registered steps in order (typically: mark health
 * NOT_SERVING, stop accepting calls and drain, close stores), each bounded by a timeout, then exit.
 * A second signal exits at once.
 */
import type { Logger } from "pino";

/** One step of the shutdown sequence. */
export interface ShutdownStep {
  /** For the log. */
  name: string;
  /** Does the work; rejected or timed-out steps are logged and the sequence continues. */
  run: () => Promise<void> | void;
}

/** Options for {@link installShutdown}. */
export interface ShutdownOptions {
  logger: Logger;
  steps: readonly ShutdownStep[];
  /** Upper bound for each step, in milliseconds. Default 10 000. */
  stepTimeoutMs?: number;
  /** The signals to handle. Default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
  /** Called after the steps with the exit code; default process.exit. Tests replace it. */
  exit?: (code: number) => void;
}

/** Runs the steps in order, each bounded; resolves true when all succeeded in time. */
export async function runShutdownSteps(
  steps: readonly ShutdownStep[],
  logger: Logger,
  stepTimeoutMs = 10_000,
): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(step.run),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs);
        }),
      ]);
      logger.info({ step: step.name }, "shutdown step done");
    } catch (err) {
      clean = false;
      logger.error({ step: step.name, err }, "shutdown step failed");
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

/**
 * Installs the signal handlers. Returns a function that runs the same sequence programmatically,
 * for tests and for fatal errors; the handlers are removed once the sequence has run.
 */
export function installShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  const signals = options.signals ?? ["SIGINT", "SIGTERM"];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    options.logger.info({ reason }, "shutting down");
    running = runShutdownSteps(options.steps, options.logger, options.stepTimeoutMs).then((clean) => {
      for (const signal of signals) process.off(signal, onSignal);
      exit(clean ? 0 : 1);
    });
    return running;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      options.logger.warn({ signal }, "second signal: exiting now");
      exit(130);
      return;
    }
    void shutdown(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return shutdown;
}
