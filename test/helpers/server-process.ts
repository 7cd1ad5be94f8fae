// The real server process (`src/server.ts`, as `npm start` runs it) on a free loopback port, with its output kept; never left running.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { killAndWait, track } from './child-processes.ts';
import { freePort } from './free-port.ts';

const SERVER = path.resolve(import.meta.dirname, '../../src/server.ts');

/** Long enough for a first start (a new embedded database) on a loaded two-core machine; a start that fails sooner fails at once. */
export const START_TIMEOUT_MS = 60_000;
const HEALTH_REQUEST_TIMEOUT_MS = 2_000;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** The exit code (null when killed by a signal), once the process has exited. */
  exited: Promise<number | null>;
  output(): string;
}

/** Starts Node 24 with `args` and a free loopback PORT in a clean environment; `env.PORT` wins over the free port. */
export async function spawnNode(args: readonly string[], env: Record<string, string>): Promise<ServerProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const child = track(
    spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port, url: `http://127.0.0.1:${port}`, exited, output: () => output };
}

/** Starts the server without waiting for it: for starts that are expected to fail. */
export function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  return spawnNode([SERVER], env);
}

/** Resolves once `/health` answers; otherwise kills the process and fails with its output. */
export async function waitHealthy(server: ServerProcess, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const running = () => server.child.exitCode === null && server.child.signalCode === null;
  while (running() && Date.now() < deadline) {
    try {
      if ((await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MS) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const outcome = running() ? `was not healthy within ${timeoutMs} ms and was killed` : `exited (code ${server.child.exitCode}) before it was healthy`;
  await killAndWait(server.child);
  throw new Error(`server ${outcome}:\n${server.output()}`);
}

/** Starts the server and resolves once /health answers. */
export async function startServerProcess(env: Record<string, string>, startTimeoutMs = START_TIMEOUT_MS): Promise<ServerProcess> {
  const server = await spawnServer(env);
  await waitHealthy(server, startTimeoutMs);
  return server;
}

/** Polls `check` until it returns true; fails with `describe()` after `timeoutMs`. Errors count as false. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(describe());
}
