// `node bench/idle.ts`: the server's own CPU per second with no traffic, on PostgreSQL and PGlite (after one warm-up turn and a settling pause).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { warmUp } from './callers.ts';
import { processCpuMs, startAnnounced, startProcess } from './processes.ts';

const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
/** After the warm-up turn: start-up's leftovers (the knowledge index, JIT, the first GCs) settle before the measured window. */
const SETTLE_MS = Number(process.env.BENCH_IDLE_SETTLE_MS ?? 15_000);
const DATABASES = (process.env.BENCH_DATABASES ?? 'PostgreSQL,PGlite').split(',').map((name) => name.trim());
/** `BENCH_CPU_PROF=<dir>`: also the idle server's CPU profile (node --cpu-prof). */
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const line = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function idleCpu(database: string, env: Record<string, string>): Promise<number> {
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${database}-idle.cpuprofile`] : [];
  const startedMs = performance.now();
  const app = await startProcess('src/server.ts', env, '/health', 60_000, profile);
  try {
    if (!(await warmUp(app.url, AUTH_TOKEN))) throw new Error('the warm-up turn failed');
    await sleep(SETTLE_MS);
    // `node bench/profile-summary.ts` leaves out what came before the measured window.
    if (PROFILE_DIR) writeFileSync(path.join(PROFILE_DIR, `${database}-idle.cpuprofile.skip-ms`), String(Math.round(performance.now() - startedMs)));
    const before = processCpuMs(app.child.pid!);
    await sleep(SECONDS * 1000);
    return (processCpuMs(app.child.pid!) - before) / SECONDS;
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  const postgres = await createTestDatabase();
  if (!postgres) throw new Error('the benchmark needs PostgreSQL (TEST_DATABASE_URL)');
  const llm = await startAnnounced<{ openaiBaseUrl: string }>('bench/llm-process.ts');
  const dirs: string[] = [];
  const dataDir = () => {
    dirs.push(mkdtempSync(path.join(tmpdir(), 'pa-bench-idle-')));
    return dirs.at(-1)!;
  };
  // The same settings as `npm run bench`'s server.
  const common = { OPENAI_BASE_URL: llm.announced.openaiBaseUrl, OPENAI_API_KEY: 'sk-bench', TWILIO_AUTH_TOKEN: AUTH_TOKEN, RATE_LIMIT_CALLER_PER_MINUTE: '100000', LOG_LEVEL: 'warn', ...JSON.parse(process.env.BENCH_IDLE_EXTRA_ENV ?? '{}') as Record<string, string> };
  try {
    for (const database of DATABASES) {
      const env =
        database === 'PostgreSQL'
          ? { ...common, DATABASE_URL: postgres.url, DB_POOL_SIZE: '5', DB_POOL_MAX_OVERFLOW: '5', DB_POOL_IDLE_TIMEOUT_MS: '1000', DATA_DIR: dataDir() }
          : { ...common, DATA_DIR: dataDir() };
      const load = loadavg()[0]!.toFixed(2);
      const ms = await idleCpu(database, env);
      line(`${database}: idle server CPU ${ms.toFixed(2)} ms per second over ${SECONDS} s (load average ${load} before, ${loadavg()[0]!.toFixed(2)} after)`);
    }
  } finally {
    await llm.stop();
    await postgres.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
