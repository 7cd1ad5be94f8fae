// The real server process (`src/server.ts`, as `npm start` runs it) on a free loopback port, with its output kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const SERVER = path.resolve(import.meta.dirname, '../../src/server.ts');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** The exit code, once the process has exited. */
  exited: Promise<number | null>;
  output(): string;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts the server without waiting for it: for starts that are expected to fail. `env.PORT` wins over a free port. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port: Number(env.PORT ?? port), url: `http://127.0.0.1:${env.PORT ?? port}`, exited, output: () => output };
}

/** Starts the server and resolves once /health answers. */
export async function startServerProcess(env: Record<string, string>, startTimeoutMs = 20_000): Promise<ServerProcess> {
  const server = await spawnServer(env);
  await eventually(async () => (await fetch(`${server.url}/health`)).ok, startTimeoutMs, () => `server did not become healthy:\n${server.output()}`);
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
