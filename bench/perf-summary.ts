// `perf script -i perf.data | node bench/perf-summary.ts`: a `perf record -g` profile's CPU samples by the package whose JavaScript is nearest on the stack.
// `perf` samples CPU time, where `node --cpu-prof` samples wall-clock time and so counts a socket
// write that the scheduler preempted (to run the process it woke) as the write's. With the server
// started under `--perf-basic-prof` (BENCH_NODE_ARGS), JavaScript frames are named `JS:… <file>:<line>`.
import { text } from 'node:stream/consumers';
import { componentOf } from './profile-summary.ts';

/** What one sample's stack (innermost frame first) is counted as: Node's own code (`node:`) counts for its caller. */
export function componentOfStack(frames: readonly string[]): string {
  for (const frame of frames) {
    if (/ JS:\S*wasm-function/.test(frame)) return componentOf({ functionName: '', url: 'wasm://' });
    const js = /JS:\S* (\S+?):\d+:\d+/.exec(frame);
    const component = js ? componentOf({ functionName: '', url: js[1]! }) : null;
    if (component && !component.startsWith('node:')) return component;
  }
  const stack = frames.join('\n');
  if (/Scavenge|MarkCompact|Heap::|Sweeper|ConcurrentMarking/.test(stack)) return '(garbage collector)';
  if (/compiler::|Compile|Turbofan|Maglev/.test(stack)) return '(V8 compiling)';
  if (/epoll_pwait|uv__io_poll|uv__run/.test(stack)) return '(libuv and the kernel: polling, socket reads; no JavaScript)';
  return '(other native or kernel, no JavaScript)';
}

async function summarize(): Promise<void> {
  const samples = (await text(process.stdin))
    .split(/\n\s*\n/)
    .map((block) => block.trim().split('\n').slice(1))
    .filter((frames) => frames.length > 0);
  const counts = new Map<string, number>();
  for (const frames of samples) {
    const component = componentOfStack(frames);
    counts.set(component, (counts.get(component) ?? 0) + 1);
  }
  process.stdout.write(`${samples.length} samples\n\n| component | share of CPU |\n|---|---|\n`);
  for (const [component, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stdout.write(`| ${component} | ${((100 * count) / samples.length).toFixed(1)}% |\n`);
  }
}

if (import.meta.main) await summarize();
