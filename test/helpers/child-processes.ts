// Every process the tests start, in one registry, so that none outlives them: SIGKILLed when a test file's tests are done, and at exit.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after } from 'node:test';

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

// Whatever a test file started and did not stop (a failed assertion, a timeout) goes when its tests are done,
// so that the file's process can end. This registers on the file's root: import this module at top level.
after(killTracked);

// 'exit' listeners run synchronously and kill() is synchronous: nothing outlives a run that is cut short
// by node --test-force-exit after a test timed out, or that calls process.exit().
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
