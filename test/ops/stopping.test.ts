// Stopping the real server as people start it: under `npm start`, and with its output in a pipe whose reader is gone or stuck.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { KNOWN_VARIABLES } from '../../src/config.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually } from '../helpers/server-process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(ROOT, 'src/server.ts');
// Generous: a loaded 2-core machine starts slowly; the failure this guards against is never exiting at all.
const START_LIMIT_MS = 60_000;
const EXIT_LIMIT_MS = 30_000;

/** Every variable the server knows set empty (which it reads as unset), so a developer's own .env cannot leak in. */
function isolatedEnv(extra: Record<string, string>): Record<string, string> {
  const blank = Object.fromEntries(KNOWN_VARIABLES.map((name) => [name, '']));
  return { ...blank, PATH: process.env.PATH ?? '', HOST: '127.0.0.1', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-stop-')), ...extra };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function withinLimit<T>(promise: Promise<T>, limitMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), limitMs)));
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills `pid` when the test ends, whatever its outcome. */
function killAtEnd(t: TestContext, pid: number | undefined): void {
  t.after(() => {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
}

async function waitHealthy(port: number, output: () => string): Promise<void> {
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, START_LIMIT_MS, () => `the server did not become healthy:\n${output()}`);
}

/** The server with its stdout given to `stdout` (a pipe to another process), its stderr kept. */
function spawnServerInto(t: TestContext, stdout: Writable, env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', stdout, 'pipe'] });
  killAtEnd(t, child.pid);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, exited: exitOf(child), stderr: () => stderr };
}

describe('stopping the server', () => {
  it('under npm start, SIGTERM to npm reaches the server: both exit and nothing is left running', async (t) => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], { cwd: ROOT, env: isolatedEnv({ PORT: String(port), SHUTDOWN_TIMEOUT_MS: '5000' }), stdio: ['ignore', 'pipe', 'pipe'] });
    killAtEnd(t, npm.pid);
    const npmExited = exitOf(npm);
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitHealthy(port, () => output);
    const ready = output.split('\n').find((line) => line.includes('phone-assistant ready'));
    const serverPid = (JSON.parse(ready!) as { pid: number }).pid;
    killAtEnd(t, serverPid);
    assert.notEqual(serverPid, npm.pid);

    npm.kill('SIGTERM');
    await withinLimit(npmExited, EXIT_LIMIT_MS, () => `npm did not exit:\n${output}`);
    await eventually(() => !isAlive(serverPid), EXIT_LIMIT_MS, () => `the server (pid ${serverPid}) was left running after npm exited:\n${output}`);
    assert.match(output, /"msg":"shut down"/, 'the server shut down gracefully rather than being killed');
  });

  it('exits on SIGINT when the reader of its output has gone (EPIPE), and serves until then', async (t) => {
    // Reads the first line and exits, as `npm start | head -1` or a tee stopped by Ctrl-C would.
    const reader = spawn(process.execPath, ['-e', 'process.stdin.once("data", () => process.exit(0))'], { stdio: ['pipe', 'ignore', 'ignore'] });
    killAtEnd(t, reader.pid);
    const port = await freePort();
    const server = spawnServerInto(t, reader.stdin!, isolatedEnv({ PORT: String(port), SHUTDOWN_TIMEOUT_MS: '3000' }));
    await waitHealthy(port, server.stderr);
    await withinLimit(exitOf(reader), EXIT_LIMIT_MS, () => 'the reader did not get a line');
    // Each request logs a line into the closed pipe.
    for (let i = 0; i < 20; i += 1) assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);

    server.child.kill('SIGINT');
    assert.equal(await withinLimit(server.exited, EXIT_LIMIT_MS, () => `the server did not exit:\n${server.stderr()}`), 0, server.stderr());
  });

  it('exits on SIGTERM when its output goes to a full pipe nobody reads, and keeps serving until then', async (t) => {
    const reader = spawn('sleep', ['600'], { stdio: ['pipe', 'ignore', 'ignore'] });
    killAtEnd(t, reader.pid);
    const port = await freePort();
    const server = spawnServerInto(t, reader.stdin!, isolatedEnv({ PORT: String(port), SHUTDOWN_TIMEOUT_MS: '3000' }));
    await waitHealthy(port, server.stderr);
    // Well past the 64 KiB a pipe holds: one request-log line (~200 bytes) each.
    let answered = 0;
    for (let batch = 0; batch < 100; batch += 1) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(10_000) }).then(
            (response) => response.status,
            () => 0,
          ),
        ),
      );
      const ok = statuses.filter((status) => status === 200).length;
      answered += ok;
      if (ok === 0) break;
    }
    assert.equal(answered, 1000, 'a stuck log reader must not stall the server');

    server.child.kill('SIGTERM');
    assert.equal(await withinLimit(server.exited, EXIT_LIMIT_MS, () => `the server did not exit:\n${server.stderr()}`), 0, server.stderr());
  });
});
