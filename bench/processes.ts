// Starting the processes a benchmark measures, never leaving one running, and reading their memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/free-port.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');

const running = new Set<ChildProcess>();

/** Keeps `child` in the registry that is SIGKILLed at exit, until it exits. */
export function track<Child extends ChildProcess>(child: Child): Child {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
// Synchronous, as 'exit' listeners must be: a benchmark that fails or is interrupted leaves no server behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(128 + constants.signals[signal]));

export interface Started {
  child: ChildProcess;
  url: string;
  /** What it printed on stdout. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point with Node 24 and waits until `readyPath` answers 200; kills it if it does not. */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  readyPath: string,
  timeoutMs = 60_000,
  nodeArgs: readonly string[] = [],
): Promise<Started & { startMs: number }> {
  const port = await freePort();
  const startedMs = performance.now();
  const child = track(
    spawn(process.execPath, [...nodeArgs, path.join(ROOT, entry)], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url + readyPath)).ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${entry} did not become ready within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startMs = performance.now() - startedMs;
  return {
    child,
    url,
    startMs,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs an entry point with `args` to its end and parses the JSON it printed last (a load generator's result). */
export async function runJson<T>(entry: string, args: readonly string[]): Promise<T> {
  const child = track(spawn(process.execPath, [path.join(ROOT, entry), ...args], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] }));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${entry} exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as T;
}

/** Starts an entry point that prints one JSON line when it is ready (a stand-in on a port of its own choosing). */
export async function startAnnounced<T>(entry: string): Promise<{ announced: T; stop(): Promise<void> }> {
  // The benchmark's own settings only (BENCH_EMBEDDING_DIMENSIONS reaches the stand-in), none of the app's.
  const bench = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('BENCH_'))) as Record<string, string>;
  const child = track(spawn(process.execPath, [path.join(ROOT, entry)], { env: { PATH: process.env.PATH ?? '', ...bench }, stdio: ['ignore', 'pipe', 'inherit'] }));
  const exited = once(child, 'exit');
  let output = '';
  const announced = await new Promise<T>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(JSON.parse(output.split('\n')[0]!) as T);
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before it was ready`)));
  });
  return {
    announced,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// Linux counts a process's CPU time in clock ticks, 100 a second on every architecture Node supports.
const TICKS_PER_SECOND = 100;

/** A process's CPU time so far (user + system), in ms, read from outside it (/proc), so reading costs it nothing; with `reaped`, its exited children's too. */
export function processCpuMs(pid: number, reaped = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return ((fields[11]! + fields[12]! + (reaped ? fields[13]! + fields[14]! : 0)) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process, in MiB, from /proc. */
export function residentMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** The whole machine's busy CPU time so far (every core, every process, the kernel's too), in ms, from /proc/stat. */
export function machineCpuMs(): number {
  // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU time so far of every process named `name` (PostgreSQL's backends and workers), in ms. Each
 * one's exited children count too, so a backend that ends between two readings (a pool closing an
 * idle connection) is counted in its parent's once it is gone. `except`: processes left out.
 */
export function processesCpuMs(name: string, except: ReadonlySet<number> = new Set()): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || except.has(Number(entry))) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += processCpuMs(Number(entry), true);
    } catch {
      // gone between the listing and the read
    }
  }
  return total;
}
