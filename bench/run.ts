// `npm run bench`: the DESIGN §6 budget measured in one go, on PostgreSQL, with an LLM stand-in that answers at once.
import { cpus, tmpdir, totalmem } from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { openDb } from '../src/db/open-db.ts';
import { createKnowledgeBase } from '../src/knowledge/knowledge-base.ts';
import { startLlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { runCallers, warmUp } from './callers.ts';
import { loadGet, loadVoiceTurns, type LoadResult } from './load.ts';
import { describeEmbedded, measureEmbedded } from './embedded-start.ts';
import { startProcess } from './processes.ts';
import { syntheticDocuments } from './synthetic-knowledge.ts';

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Between two turns of one call: the caller listening to the reply and speaking again. */
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS ?? 2000);
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const POOL = { size: 5, overflow: 5, idleMs: 1000 };
/** Passages in the knowledge base while the voice turns run (each turn then searches it); 0: none. */
const KNOWLEDGE_CHUNKS = Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 0);
/** Calls at once in the paced run (fewer on a machine shared with other work, so it measures turns, not queueing). */
const CALLS = Number(process.env.BENCH_CALLS ?? 200);

const line = (text: string) => process.stdout.write(`${text}\n`);
const describeLoad = (name: string, result: LoadResult) =>
  line(`| ${name} | ${result.requestsPerSecond} | ${result.latencyP50Ms} | ${result.latencyP99Ms} | ${result.requests} | ${result.non2xx + result.errors} |`);

/** Quantiles of the server's own time per voice turn, from the app's /metrics. */
async function turnServerQuantiles(appUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const quantiles: Record<string, number> = {};
  for (const match of text.matchAll(/^phone_assistant_turn_server_seconds\{quantile="([\d.]+)"[^}]*\} ([\d.e+-]+|NaN)$/gm)) {
    quantiles[match[1]!] = Math.round(Number(match[2]) * 1e5) / 100;
  }
  return quantiles;
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
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (!(await warmUp(appUrl, AUTH_TOKEN))) throw new Error('the warm-up turn failed');
    if (KNOWLEDGE_CHUNKS === 0) return;
    const text = await (await fetch(`${appUrl}/metrics`)).text();
    if (Number(/^phone_assistant_knowledge_passages_returned_sum ([\d.e+-]+)$/m.exec(text)?.[1] ?? 0) > 0) return;
    if (performance.now() > deadline) throw new Error('no warm-up turn found passages within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The app process's CPU time so far (user + system), from its /metrics. */
async function appCpuSeconds(appUrl: string): Promise<number> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const match = /^process_cpu_seconds_total(?:\{[^}]*\})? ([\d.e+-]+)$/m.exec(text);
  if (!match) throw new Error('the app reports no process_cpu_seconds_total');
  return Number(match[1]);
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

async function main(): Promise<void> {
  const database = await createTestDatabase();
  if (!database) throw new Error('the benchmark needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)');
  const standIn = await startLlmStandIn();
  standIn.setFallbackReply({ text: 'We are open on Thursday from eight to seven.' });
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  const appEnv = {
    DATABASE_URL: database.url,
    DB_POOL_SIZE: String(POOL.size),
    DB_POOL_MAX_OVERFLOW: String(POOL.overflow),
    DB_POOL_IDLE_TIMEOUT_MS: String(POOL.idleMs),
    OPENAI_BASE_URL: standIn.openaiBaseUrl,
    OPENAI_API_KEY: 'sk-bench',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    RATE_LIMIT_CALLER_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-bench-')),
  };
  try {
    line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${DURATION_SECONDS} s per run\n`);
    if (KNOWLEDGE_CHUNKS > 0) line(`knowledge base: ${await loadKnowledge(appEnv, KNOWLEDGE_CHUNKS)} passages, searched in every turn\n`);
    line('| run | req/s | p50 ms | p99 ms | requests | errors |');
    line('|---|---|---|---|---|---|');

    const hello = await startProcess('bench/hello-server.ts', {}, '/hello');
    const baseline = await loadGet(`${hello.url}/hello`, 100, DURATION_SECONDS);
    await hello.stop();
    describeLoad('hello-world Fastify route, 100 connections', baseline);

    let app = await startProcess('src/server.ts', appEnv, '/health');
    await warmUpApp(app.url);
    const { result: turns, peak: peakThroughput } = await peakConnections(admin, loadVoiceTurns(app.url, AUTH_TOKEN, 100, DURATION_SECONDS));
    describeLoad('signed /twilio/voice turn, 100 connections', turns);
    await app.stop();

    // A fresh process, so the server-time quantiles cover only this run (and the turns that warm it up).
    app = await startProcess('src/server.ts', appEnv, '/health');
    await warmUpApp(app.url);
    const cpuBefore = await appCpuSeconds(app.url);
    const { result: calls200, peak: peak200 } = await peakConnections(admin, runCallers(app.url, AUTH_TOKEN, CALLS, DURATION_SECONDS * 2, PAUSE_MS));
    const cpuPerTurnMs = ((await appCpuSeconds(app.url)) - cpuBefore) * 1000 / Math.max(1, calls200.turns);
    const quantiles = await turnServerQuantiles(app.url);
    const retrievalMs = await meanRetrievalMs(app.url);
    await new Promise((resolve) => setTimeout(resolve, POOL.idleMs * 3));
    const afterIdle = await appConnections(admin);
    await app.stop();

    line('');
    line(`voice turn / hello-world throughput: ${(turns.requestsPerSecond / baseline.requestsPerSecond).toFixed(3)} (budget ≥ 0.100)`);
    line(
      `${CALLS} concurrent calls, ${PAUSE_MS} ms between a call's turns: ${calls200.turns} turns (${calls200.turnsPerSecond}/s), ${calls200.failures} failed; ` +
        `server time per turn excluding the LLM: p50 ${quantiles['0.5']} ms, p90 ${quantiles['0.9']} ms, p99 ${quantiles['0.99']} ms (budget p50 ≤ 2, p99 ≤ 10); ` +
        `app CPU per turn ${cpuPerTurnMs.toFixed(2)} ms` +
        (retrievalMs === null ? '' : `; knowledge search (with the embedding request) ${retrievalMs} ms on average`),
    );
    line(
      `pool ${POOL.size} + ${POOL.overflow}: peak ${Math.max(peakThroughput, peak200)} server connections (limit ${POOL.size + POOL.overflow}), ` +
        `${turns.errors + turns.non2xx + calls200.failures} errors, ${afterIdle} connections after ${POOL.idleMs * 3} ms idle (steady ${POOL.size})`,
    );

    line('');
    line(describeEmbedded(await measureEmbedded()));
  } finally {
    await admin.end();
    await standIn.close();
    await database.drop();
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
