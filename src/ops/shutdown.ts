// Graceful shutdown on SIGTERM/SIGINT: stop accepting, let work in flight finish within a bound, then exit.
import type { Logger } from 'pino';
import type { PendingWork } from './in-flight.ts';

export interface ShutdownOptions {
  /** Stops accepting, waits for requests and turns in flight, and closes the pool (fastify.close). */
  close(): Promise<void>;
  pending(): PendingWork;
  logger: Logger;
  timeoutMs: number;
}

export function shutdownOnSignals(options: ShutdownOptions): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    // A second signal changes nothing: the bound already ends a shutdown that hangs.
    if (closing) return;
    closing = true;
    const { logger, timeoutMs } = options;
    const pending = options.pending();
    logger.info({ signal, timeoutMs, requests: pending.requests.length, turns: pending.turns }, 'shutting down');
    const bound = setTimeout(() => {
      logger.error({ timeoutMs, cutOff: options.pending() }, 'shutdown took too long: cutting off the work still in flight');
      process.exit(1);
    }, timeoutMs);
    options.close().then(
      () => {
        clearTimeout(bound);
        logger.info({ signal }, 'shut down');
        process.exit(0);
      },
      (error: unknown) => {
        clearTimeout(bound);
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
