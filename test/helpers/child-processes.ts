// Every process the tests and benchmarks start, kept in one registry so that none outlives them: SIGKILL on request and at exit.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();

/** Keeps a just-spawned `child` in the registry until it exits: `track(spawn(...))`. */
export function track<Child extends ChildProcess>(child: Child): Child {
  running.add(child);
  child.once('exit', () => running.delete(child));
  // A command that cannot be started emits 'error' and never 'exit'.
  child.once('error', () => running.delete(child));
  return child;
}

/** SIGKILLs `child` unless it has already exited, and resolves once it is gone. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** SIGKILLs every tracked process still running, and resolves once all are gone. */
export async function killTracked(): Promise<void> {
  await Promise.all([...running].map(killAndWait));
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// 'exit' listeners run synchronously and kill() is synchronous: nothing outlives a run that fails,
// is cut short by node --test-force-exit after a test timed out, or calls process.exit().
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
