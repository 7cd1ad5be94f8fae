// Relay benchmark: prompt → first `text` frame (model's first token after 300 ms), token → frame at many sessions (server side and end to end), and thousands of sessions open and taking turns.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { AUTH_TOKEN, type RelayLoadRequest, type RelayLoadResult, type RelayPart } from './relay-load.ts';
import { processCpuMs, runJson, startAnnounced, startProcess } from './processes.ts';
import { histogramDelta, histogramQuantile, histogramShareWithin, parseHistogram } from './prometheus-histogram.ts';

const FIRST_TOKEN_MS = 300;
const TALKING = Number(process.env.BENCH_RELAY_TALKING ?? 1);
const TURNS = Number(process.env.BENCH_RELAY_TURNS ?? 10);
const STREAMING = Number(process.env.BENCH_RELAY_STREAMING ?? 1000);
/** The streaming sessions' turns start at random within this window, as callers speak at their own moments. */
const SPREAD_MS = Number(process.env.BENCH_RELAY_SPREAD_MS ?? 10_000);
const OPEN = Number(process.env.BENCH_RELAY_OPEN ?? 5000);
/** A directory for the server's CPU profile (`--cpu-prof`), written when it exits. */
const PROFILE_DIR = process.env.BENCH_RELAY_CPU_PROF;
/** Extra Node flags for the server, space-separated (`--max-semi-space-size=64`), for trying V8 settings. */
/** The stand-in and the callers run at this nice value, below the server, so that on two cores the server runs first. */
const NICE = Number(process.env.BENCH_RELAY_NICE ?? 10);
/** A nice value for the server itself (negative needs root): on a shared machine, how it fares when others' work waits. */
const SERVER_NICE = process.env.BENCH_RELAY_SERVER_NICE;
const SERVER_NODE_ARGS = (process.env.BENCH_RELAY_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const TOKEN_DELAY = 'phone_assistant_relay_token_delay_seconds';

const line = (text: string) => process.stdout.write(`${text}\n`);
const load = () => loadavg().map((value) => value.toFixed(1)).join(' ');
const ms = (seconds: number) => `${(seconds * 1000).toFixed(3)} ms`;
const metrics = async (serverUrl: string) => (await fetch(`${serverUrl}/metrics`)).text();
/** The server's garbage collections so far by kind (prom-client's nodejs_gc_duration_seconds): how many, and seconds in all. */
function collections(text: string, kind: 'minor' | 'major'): { count: number; seconds: number } {
  const sample = (what: string) => Number(new RegExp(`^nodejs_gc_duration_seconds_${what}\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { count: sample('count'), seconds: sample('sum') };
}
/** How often the kernel has taken the CPU from the server's main thread while it could still run (preempted it). */
function preemptions(pid: number): number {
  return Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))?.[1]);
}
/** What the collections of one kind between two scrapes came to. */
function gcBetween(before: string, after: string, kind: 'minor' | 'major'): string {
  const [earlier, later] = [collections(before, kind), collections(after, kind)];
  const count = later.count - earlier.count;
  return `${count} ${kind} (${(((later.seconds - earlier.seconds) * 1000) / Math.max(1, count)).toFixed(2)} ms each)`;
}

async function main(): Promise<void> {
  // Three processes, so that the server's figures are its own: the model stand-in, the server, and the callers (one per part).
  const llm = await startAnnounced<{ openaiBaseUrl: string; controlUrl: string; pid: number }>('bench/relay-llm-process.ts');
  setPriority(llm.announced.pid, NICE);
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const app = await startProcess(
    'src/server.ts',
    {
      OPENAI_BASE_URL: llm.announced.openaiBaseUrl,
      OPENAI_API_KEY: 'sk-bench',
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      VOICE_MODE: 'relay',
      LOG_LEVEL: 'warn',
      // One caller number for every session: the benchmark is not about the caller limit;
      // and sessions wait long for their turn while thousands open, which is not silence to end.
      RATE_LIMIT_CALLER_PER_MINUTE: '100000',
      RELAY_SILENCE_TIMEOUT_MS: '120000',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-bench-relay-')),
      // PostgreSQL instead of the embedded database, whose statements run on the server's own thread.
      ...(process.env.BENCH_RELAY_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_RELAY_DATABASE_URL } : {}),
    },
    '/health',
    60_000,
    [...SERVER_NODE_ARGS, ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [])],
  );
  if (SERVER_NICE !== undefined) setPriority(app.child.pid!, Number(SERVER_NICE));
  const run = async (part: RelayPart) => {
    const request: RelayLoadRequest = { ...part, serverUrl: app.url, controlUrl: llm.announced.controlUrl };
    for (const text of (await runJson<RelayLoadResult>('bench/relay-load.ts', [JSON.stringify(request)])).lines) line(text);
  };
  try {
    const database = process.env.BENCH_RELAY_DATABASE_URL ? 'PostgreSQL' : 'embedded database';
    const flags = SERVER_NODE_ARGS.length > 0 ? `; server flags ${SERVER_NODE_ARGS.join(' ')}` : '';
    line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${database}${flags}; stand-in and callers at nice ${NICE}${SERVER_NICE === undefined ? '' : `, server at nice ${SERVER_NICE}`}; load ${load()}`);
    if (TALKING > 0) await run({ part: 'talk', sessions: TALKING, turns: TURNS, firstTokenMs: FIRST_TOKEN_MS });
    if (STREAMING > 0) {
      // The server's own histogram over this part alone; the scrape also restarts prom-client's event-loop delay window.
      const scrapedBefore = await metrics(app.url);
      const before = parseHistogram(scrapedBefore, TOKEN_DELAY);
      const cpuBeforeMs = processCpuMs(app.child.pid!);
      const preemptedBefore = preemptions(app.child.pid!);
      await run({ part: 'stream', sessions: STREAMING, spreadMs: SPREAD_MS });
      const text = await metrics(app.url);
      const delay = histogramDelta(parseHistogram(text, TOKEN_DELAY), before);
      const loopP99 = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1]);
      line(
        `server side, LLM chunk read → text frame written (${TOKEN_DELAY}, ${delay.count} tokens, quantiles interpolated within buckets): ` +
          `p50 ${ms(histogramQuantile(delay, 0.5))}, p99 ${ms(histogramQuantile(delay, 0.99))}, mean ${ms(delay.sum / delay.count)}, ` +
          `${(histogramShareWithin(delay, 0.001) * 100).toFixed(2)}% within 1 ms (budget p99 ≤ 1 ms); ` +
          `server CPU ${((processCpuMs(app.child.pid!) - cpuBeforeMs) / 1000).toFixed(1)} s, main thread preempted ${preemptions(app.child.pid!) - preemptedBefore} times, ` +
          `event-loop delay p99 ${ms(loopP99)}, ` +
          `garbage collections ${gcBetween(scrapedBefore, text, 'minor')}, ${gcBetween(scrapedBefore, text, 'major')}; load ${load()}`,
      );
    }
    if (OPEN > 0) await run({ part: 'open', sessions: OPEN, wave: 250, serverPid: app.child.pid! });
  } finally {
    await app.stop();
    await llm.stop();
  }
  if (PROFILE_DIR) line(`server CPU profile in ${PROFILE_DIR} (summary: node bench/profile-summary.ts ${PROFILE_DIR}/<file>.cpuprofile)`);
}

await main();
process.exit(0);
