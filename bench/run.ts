// `npm run bench`: the DESIGN §6 and issue 12 figures in one go, on PostgreSQL and PGlite, with an LLM stand-in that answers at once.
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { openDb } from '../src/db/open-db.ts';
import { createKnowledgeBase } from '../src/knowledge/knowledge-base.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { warmUp, type CallersResult } from './callers.ts';
import type { LoadResult } from './load.ts';
import type { LoadRequest } from './load-process.ts';
import { describeEmbedded, measureEmbedded } from './embedded-start.ts';
import { machineCpuMs, processCpuMs, processesCpuMs, runJson, startAnnounced, startProcess } from './processes.ts';
import { histogramDelta, histogramQuantile, parseHistogram, type Histogram } from './prometheus-histogram.ts';
import { syntheticDocuments } from './synthetic-knowledge.ts';

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * The run's own load for this long before it is measured, not counted: a fresh process runs its
 * first turns in V8's interpreter and spends its first seconds compiling, a server that has run
 * for a while does neither.
 */
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 10);
/** Between two turns of one call: the caller listening to the reply and speaking again. */
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS ?? 2000);
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const POOL = { size: 5, overflow: 5, idleMs: 1000 };
/** Passages in the knowledge base while the voice turns run (each turn then searches it); 0: none. */
const KNOWLEDGE_CHUNKS = Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 0);
/** The stand-in answers with dense vectors of this length (a real model's kind), whose graph the app builds after start. */
const DENSE = Number(process.env.BENCH_EMBEDDING_DIMENSIONS ?? 0) > 0;
/** Calls at once in the paced run (fewer on a machine shared with other work, so it measures turns, not queueing). */
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
/** A directory for the server's CPU profiles (`node --cpu-prof`), one per run; summarise them with `node bench/profile-summary.ts`. */
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** More flags for the server's `node` (`--perf-basic-prof`, so that `perf` can name its JavaScript). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Which databases to run on: `BENCH_DATABASES=PGlite` for the embedded one only. */
const DATABASES = (process.env.BENCH_DATABASES ?? 'PostgreSQL,PGlite').split(',').map((name) => name.trim()) as Database[];

const line = (text: string) => process.stdout.write(`${text}\n`);
const SERVER_TIME = 'phone_assistant_turn_server_duration_seconds';
const scrape = async (appUrl: string) => parseHistogram(await (await fetch(`${appUrl}/metrics`)).text(), SERVER_TIME, { channel: 'voice' });

/** Quantiles (ms) of the server's own time per voice turn between two scrapes of the app's histogram. */
function serverTimeQuantiles(after: Histogram, before: Histogram): Record<string, number> {
  const window = histogramDelta(after, before);
  return Object.fromEntries(['0.5', '0.9', '0.99'].map((q) => [q, Math.round(histogramQuantile(window, Number(q)) * 1e5) / 100]));
}

/** The mean duration of the app's knowledge searches (full text, the embedding request, vectors), from its /metrics; null when none ran. */
async function meanRetrievalMs(appUrl: string): Promise<number | null> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^phone_assistant_knowledge_retrieval_duration_seconds_${name}\\{outcome="ok"\\} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  const count = read('count');
  return count > 0 ? Math.round((read('sum') / count) * 1e5) / 100 : null;
}

/**
 * Warm-up turns until one is answered with passages (when the knowledge base has any): the index
 * loads in the background at start, and its load must not be counted in the measured turns.
 */
async function warmUpApp(appUrl: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (!(await warmUp(appUrl, AUTH_TOKEN))) throw new Error('the warm-up turn failed');
    if (KNOWLEDGE_CHUNKS === 0) return;
    const text = await (await fetch(`${appUrl}/metrics`)).text();
    const found = Number(/^phone_assistant_knowledge_passages_returned_sum ([\d.e+-]+)$/m.exec(text)?.[1] ?? 0) > 0;
    // Dense vectors: also until their graph is built (seconds after start), which then answers every turn.
    const graphReady = !DENSE || Number(/^phone_assistant_knowledge_vector_graph_passages (\d+)$/m.exec(text)?.[1] ?? 0) > 0;
    if (found && graphReady) return;
    if (performance.now() > deadline) throw new Error(`no warm-up turn found passages${graphReady ? '' : ' through a built vector graph'} within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Samples the app's server connections while `work` runs; returns the peak. */
async function peakConnections<T>(admin: pg.Client, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let done = false;
  const sampling = (async () => {
    while (!done) {
      peak = Math.max(peak, await appConnections(admin));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const result = await work.finally(() => (done = true));
  await sampling;
  return { result, peak };
}

async function appConnections(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'phone-assistant'",
  );
  return rows[0]!.n;
}

interface TurnRun {
  database: Database;
  run: string;
  requestsPerSecond: number;
  latency: string;
  turns: number;
  errors: number;
  serverTime: Record<string, number>;
  cpuPerTurnMs: number;
  /** Every process's (PostgreSQL, the stand-in, the load generator, the kernel): what the machine spends on a turn. */
  machineCpuPerTurnMs: number;
  /** The PostgreSQL server's processes' (on PGlite, PostgreSQL runs inside the app and is counted in its CPU). */
  postgresCpuPerTurnMs: number | null;
  /** The load generator's (the callers): Twilio's side, which in production is not on this machine. */
  loaderCpuPerTurnMs: number;
  retrievalMs: number | null;
}

type Database = 'PostgreSQL' | 'PGlite';
/** The bench's own PostgreSQL backend (sampling pg_stat_activity every 20 ms): its work is not a turn's. */
const benchBackends = new Set<number>();

/** Starts the app, warms it up, runs `load` against it, and reads the server's own CPU time and metrics around it. */
async function measureTurns(
  database: Database,
  env: Record<string, string>,
  run: string,
  load: (appUrl: string, seconds: number) => Promise<{ requestsPerSecond: number; latency: string; turns: number; errors: number; loaderCpuMs?: number }>,
  { seconds = DURATION_SECONDS, entry = 'src/server.ts' } = {},
): Promise<TurnRun> {
  // A fresh process per run, so one run's database or load leaves nothing behind in the next.
  // Named by the whole run: the two floor runs differ only after the first comma.
  const profileName = `${database}-${run.replace(/\W+/g, '-')}.cpuprofile`;
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}`] : [];
  const startedMs = performance.now();
  const app = await startProcess(entry, env, '/health', 60_000, [...NODE_ARGS, ...profile]);
  // The floor server has no /metrics, nor a knowledge index to wait for.
  const isApp = entry === 'src/server.ts';
  try {
    if (isApp) await warmUpApp(app.url);
    else if (!(await warmUp(app.url, AUTH_TOKEN))) throw new Error(`${entry}: the warm-up turn failed`);
    if (WARM_UP_SECONDS > 0) await load(app.url, WARM_UP_SECONDS);
    // The profile summary leaves out what came before the measured turns.
    if (PROFILE_DIR) writeFileSync(path.join(PROFILE_DIR, `${profileName}.skip-ms`), String(Math.round(performance.now() - startedMs)));
    const histogramBefore = isApp ? await scrape(app.url) : undefined;
    const cpuBefore = processCpuMs(app.child.pid!);
    const machineBefore = machineCpuMs();
    const postgresBefore = processesCpuMs('postgres', benchBackends);
    const result = await load(app.url, seconds);
    const turns = Math.max(1, result.turns);
    const cpu = {
      cpuPerTurnMs: (processCpuMs(app.child.pid!) - cpuBefore) / turns,
      machineCpuPerTurnMs: (machineCpuMs() - machineBefore) / turns,
      postgresCpuPerTurnMs: database === 'PostgreSQL' ? (processesCpuMs('postgres', benchBackends) - postgresBefore) / turns : null,
      loaderCpuPerTurnMs: (result.loaderCpuMs ?? Number.NaN) / turns,
    };
    if (!histogramBefore) return { database, run, ...result, ...cpu, serverTime: {}, retrievalMs: null };
    return { database, run, ...result, ...cpu, serverTime: serverTimeQuantiles(await scrape(app.url), histogramBefore), retrievalMs: await meanRetrievalMs(app.url) };
  } finally {
    await app.stop();
  }
}

const describeTurnRun = (r: TurnRun) =>
  line(
    `| ${r.database} | ${r.run} | ${r.requestsPerSecond} | ${r.latency} | ${r.serverTime['0.5'] ?? '–'} / ${r.serverTime['0.9'] ?? '–'} / ${r.serverTime['0.99'] ?? '–'} | ` +
      `**${r.turns > 0 ? r.cpuPerTurnMs.toFixed(2) : '–'}** | ${r.postgresCpuPerTurnMs?.toFixed(2) ?? 'in the server'} | ${r.loaderCpuPerTurnMs.toFixed(2)} | ${r.machineCpuPerTurnMs.toFixed(2)} | ${r.turns} | ${r.errors} |` +
      (KNOWLEDGE_CHUNKS > 0 ? ` ${r.retrievalMs ?? '–'} |` : ''),
  );

async function main(): Promise<void> {
  const postgres = await createTestDatabase();
  if (!postgres) throw new Error('the benchmark needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)');
  const llm = await startAnnounced<{ openaiBaseUrl: string }>('bench/llm-process.ts');
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  benchBackends.add((await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
  const common = {
    OPENAI_BASE_URL: llm.announced.openaiBaseUrl,
    OPENAI_API_KEY: 'sk-bench',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    RATE_LIMIT_CALLER_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
  };
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const environments: Record<Database, Record<string, string>> = {
    PostgreSQL: {
      ...common,
      DATABASE_URL: postgres.url,
      DB_POOL_SIZE: String(POOL.size),
      DB_POOL_MAX_OVERFLOW: String(POOL.overflow),
      DB_POOL_IDLE_TIMEOUT_MS: String(POOL.idleMs),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-bench-')),
    },
    PGlite: { ...common, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-bench-pglite-')) },
  };
  try {
    line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${DURATION_SECONDS} s per run; load average ${loadLine()}\n`);
    line(
      'The server, the LLM stand-in and the load generator each run as their own process. Each run is warmed up by its own load ' +
        `for ${WARM_UP_SECONDS} s, not counted. Per turn: "server CPU" is the server process's user + system time (/proc), ` +
        '"PostgreSQL CPU" its processes\' (on PGlite it runs inside the server), "load generator CPU" the callers\' own, ' +
        '"machine CPU" every core\'s busy time (/proc/stat). The floor is bench/floor-server.ts: the same I/O with none of the app\'s work.\n',
    );

    const baseline = await load<LoadResult>({ kind: 'get', url: '', connections: 100, seconds: DURATION_SECONDS }, 'bench/hello-server.ts');
    line(`hello-world Fastify route, 100 connections: ${baseline.requestsPerSecond} req/s, p50 ${baseline.latencyP50Ms} ms, p99 ${baseline.latencyP99Ms} ms\n`);

    line(`| database | turns | req/s | client latency p50 / p99 ms | server time p50 / p90 / p99 ms | server CPU per turn ms | PostgreSQL CPU per turn ms | load generator CPU per turn ms | machine CPU per turn ms | turns | errors |${KNOWLEDGE_CHUNKS > 0 ? ' knowledge search mean ms |' : ''}`);
    line(`|---|---|---|---|---|---|---|---|---|---|---|${KNOWLEDGE_CHUNKS > 0 ? '---|' : ''}`);
    // The floor: the same I/O without the app's own work (bench/floor-server.ts).
    if (DATABASES.includes('PostgreSQL')) {
      const floor = { entry: 'bench/floor-server.ts' };
      describeTurnRun(await measureTurns('PostgreSQL', environments.PostgreSQL, 'floor: the same I/O, bare, 100 connections', newCallLoad, floor));
      // At a continuing call's rate each turn wakes a sleeping server (and PostgreSQL): the floor at that rate too.
      describeTurnRun(await measureTurns('PostgreSQL', environments.PostgreSQL, `floor: the same I/O, bare, ${CALLS} calls ${PAUSE_MS} ms apart`, callersLoad, { ...floor, seconds: DURATION_SECONDS * 2 }));
    }
    const runs: TurnRun[] = [];
    let peak = 0;
    for (const database of DATABASES) {
      const env = environments[database];
      if (KNOWLEDGE_CHUNKS > 0) await loadKnowledge(env, KNOWLEDGE_CHUNKS);
      const sampled = <T>(work: Promise<T>) => (database === 'PostgreSQL' ? peakConnections(admin, work).then(({ result, peak: p }) => ((peak = Math.max(peak, p)), result)) : work);
      const newCalls = await measureTurns(database, env, 'new call, 100 connections', (url, seconds) => sampled(newCallLoad(url, seconds)));
      describeTurnRun(newCalls);
      const continuing = await measureTurns(database, env, `continuing calls, ${CALLS} at once, ${PAUSE_MS} ms apart`, (url, seconds) => sampled(callersLoad(url, seconds)), {
        seconds: DURATION_SECONDS * 2,
      });
      describeTurnRun(continuing);
      runs.push(newCalls, continuing);
    }

    line('');
    for (const r of runs.filter((run) => run.run.startsWith('new call'))) {
      line(`${r.database}: new-call voice turn / hello-world throughput ${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)} (issue 12: ≥ 0.030)`);
    }
    if (DATABASES.includes('PostgreSQL')) {
      await new Promise((resolve) => setTimeout(resolve, POOL.idleMs * 3));
      line(`PostgreSQL pool ${POOL.size} + ${POOL.overflow}: peak ${peak} server connections (limit ${POOL.size + POOL.overflow}) during the runs`);
    }
    line(`load average after the runs: ${loadLine()}`);

    if (process.env.BENCH_EMBEDDED !== '0') {
      line('');
      line(describeEmbedded(await measureEmbedded()));
    }
  } finally {
    await admin.end();
    await llm.stop();
    await postgres.drop();
    // PGlite's directory is about 40 MB: a benchmark leaves none behind.
    for (const env of Object.values(environments)) rmSync(env.DATA_DIR!, { recursive: true, force: true });
  }
}

/** New-call turns on 100 connections for `seconds`, as fast as they are answered. */
async function newCallLoad(url: string, seconds = DURATION_SECONDS) {
  const r = await load<LoadResult>({ kind: 'new-calls', baseUrl: url, authToken: AUTH_TOKEN, connections: 100, seconds });
  return { requestsPerSecond: r.requestsPerSecond, latency: `${r.latencyP50Ms} / ${r.latencyP99Ms}`, turns: r.requests, errors: r.non2xx + r.errors, loaderCpuMs: r.cpuMs };
}

/** `CALLS` calls at once for `seconds`, each turn `PAUSE_MS` after the last one's answer. */
async function callersLoad(url: string, seconds: number) {
  const r = await load<CallersResult>({ kind: 'callers', baseUrl: url, authToken: AUTH_TOKEN, calls: CALLS, seconds, pauseMs: PAUSE_MS });
  return { requestsPerSecond: r.turnsPerSecond, latency: '–', turns: r.turns, errors: r.failures, loaderCpuMs: r.cpuMs };
}

const loadLine = () => loadavg().map((value) => value.toFixed(2)).join(' ');

/** Runs the load generator in its own process; with `target`, against a process started for it (the hello-world server). */
async function load<T>(request: LoadRequest, target?: string): Promise<T> {
  if (!target) return runJson<T>('bench/load-process.ts', [JSON.stringify(request)]);
  const server = await startProcess(target, {}, '/hello');
  try {
    return await runJson<T>('bench/load-process.ts', [JSON.stringify({ ...request, url: `${server.url}/hello` })]);
  } finally {
    await server.stop();
  }
}

/** Fills the app's database with `chunks` synthetic passages, embedded by the stand-in, as `knowledge add` would. */
async function loadKnowledge(env: Record<string, string>, chunks: number): Promise<number> {
  const config = loadConfig(env);
  const db = await openDb(config.database);
  try {
    const knowledge = createKnowledgeBase({ db, config, log: { warn: ({ err }, msg) => process.stderr.write(`${msg}: ${String(err)}\n`) } });
    let stored = 0;
    for (const document of syntheticDocuments(chunks)) stored += (await knowledge.add(document)).chunks;
    return stored;
  } finally {
    await db.close();
  }
}

await main();
