// Where log lines go: stdout, without ever blocking or crashing the process on a reader that is slow, stuck or gone.
import type { Writable } from 'node:stream';

/** Past this many bytes waiting for a reader that does not read, lines are dropped (and counted) rather than kept. */
export const MAX_PENDING_LOG_BYTES = 8 * 1024 * 1024;

export interface LogDestination {
  write(line: string): void;
}

/**
 * Lines go through Node's own stdout stream, which never blocks the event loop on a pipe (pino's
 * synchronous default spins forever on a full one, so even the shutdown timer could not fire),
 * and whose unwritten lines are simply lost at exit, so a stuck reader cannot hold the process.
 */
export function streamDestination(stream: Writable, maxPendingBytes = MAX_PENDING_LOG_BYTES): LogDestination {
  let dropped = 0;
  // EPIPE (`npm start | head`, a tee stopped by Ctrl-C) leaves no one to read the log: the stream
  // destroys itself, logging stops, and the server goes on (and still shuts down when told).
  stream.on('error', () => {});
  stream.on('drain', () => {
    if (dropped === 0) return;
    stream.write(`${JSON.stringify({ level: 40, time: Date.now(), dropped, msg: 'the log reader fell behind: lines were dropped' })}\n`);
    dropped = 0;
  });
  return {
    write(line) {
      if (stream.destroyed || !stream.writable) return;
      if (stream.writableLength > maxPendingBytes) {
        dropped += 1;
        return;
      }
      stream.write(line);
    },
  };
}

let stdout: LogDestination | undefined;

/** The process's stdout, shared by every logger so its listeners are added once. */
export function stdoutDestination(): LogDestination {
  stdout ??= streamDestination(process.stdout);
  return stdout;
}
