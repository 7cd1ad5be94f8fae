// Starting the processes a benchmark measures (never left running: see child-processes.ts), and reading their memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, killAndWait, track } from '../test/helpers/child-processes.ts';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface Started {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point with Node 24 and waits until `readyPath` answers 200; kills it if it does not. */
export async function startProcess(entry: string, env: Record<string, string>, readyPath: string, timeoutMs = 60_000): Promise<Started & { startMs: number }> {
  const port = await freePort();
  const startedMs = performance.now();
  const child = track(
    spawn(process.execPath, [path.join(ROOT, entry)], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url + readyPath)).ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline || child.exitCode !== null) {
      await killAndWait(child);
      throw new Error(`${entry} did not become ready`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startMs = performance.now() - startedMs;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    url,
    startMs,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident memory of a process, in MiB, from /proc. */
export function residentMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}
