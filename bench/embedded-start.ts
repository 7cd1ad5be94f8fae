// `npm run bench:embedded`: start-up time and idle memory of the server on its default embedded database (DESIGN §6).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { preparePgliteTemplate, TEMPLATE_CACHE_DIR } from '../src/db/pglite-template.ts';
import { residentMiB, startProcess, track } from './processes.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Busy processes started beside the server, to measure a loaded machine (2 on 2 cores: every core contended). */
const LOAD_PROCESSES = Number(process.env.BENCH_LOAD_PROCESSES ?? 0);
const IDLE_WAIT_MS = 3_000;

export interface EmbeddedFigures {
  firstStartMs: number[];
  firstStartWithoutTemplateMs: number[];
  restartMs: number[];
  /** From the server's own log: openDb, i.e. lock, create or open, migrations. */
  databaseMs: { first: number[]; withoutTemplate: number[]; restart: number[] };
  idleMiB: { afterFirstStart: number; afterRestart: number };
}

interface Start {
  ms: number;
  databaseMs: number;
  pid: number;
  stop(): Promise<void>;
}

/** `node src/server.ts` in `dataDir` with nothing configured, timed until /ready answers 200. */
async function start(dataDir: string): Promise<Start> {
  const server = await startProcess('src/server.ts', { DATA_DIR: dataDir, LOG_LEVEL: 'info' }, '/ready');
  const match = /embedded database ready in (\d+) ms/.exec(server.output());
  return { ms: Math.round(server.startMs), databaseMs: match ? Number(match[1]) : Number.NaN, pid: server.child.pid!, stop: server.stop };
}

const newDataDir = () => mkdtempSync(path.join(tmpdir(), 'pa-bench-embedded-'));
const idle = () => new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));

export async function measureEmbedded(): Promise<EmbeddedFigures> {
  const load: ChildProcess[] = Array.from({ length: LOAD_PROCESSES }, () => track(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })));
  try {
    const figures: EmbeddedFigures = {
      firstStartMs: [],
      firstStartWithoutTemplateMs: [],
      restartMs: [],
      databaseMs: { first: [], withoutTemplate: [], restart: [] },
      idleMiB: { afterFirstStart: 0, afterRestart: 0 },
    };
    const template = await preparePgliteTemplate();
    for (let run = 0; run < RUNS; run += 1) {
      const dataDir = newDataDir();
      const first = await start(dataDir);
      figures.firstStartMs.push(first.ms);
      figures.databaseMs.first.push(first.databaseMs);
      if (run === 0) {
        await idle();
        figures.idleMiB.afterFirstStart = residentMiB(first.pid);
      }
      await first.stop();
      const again = await start(dataDir);
      figures.restartMs.push(again.ms);
      figures.databaseMs.restart.push(again.databaseMs);
      if (run === 0) {
        await idle();
        figures.idleMiB.afterRestart = residentMiB(again.pid);
      }
      await again.stop();
    }
    // As after `npm install --ignore-scripts`: the template set aside, so the server runs initdb (and makes a new template).
    const aside = path.join(path.dirname(template), `bench-aside-${path.basename(template)}`);
    renameSync(template, aside);
    try {
      const withoutTemplate = await start(newDataDir());
      figures.firstStartWithoutTemplateMs.push(withoutTemplate.ms);
      figures.databaseMs.withoutTemplate.push(withoutTemplate.databaseMs);
      await withoutTemplate.stop();
    } finally {
      // The one the template-less start made.
      rmSync(template, { recursive: true, force: true });
      renameSync(aside, template);
    }
    return figures;
  } finally {
    for (const child of load) child.kill('SIGKILL');
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const describe = (values: number[]) => (values.length > 1 ? `${median(values)} ms (median of ${values.join(', ')})` : `${values[0]} ms`);

export function describeEmbedded(figures: EmbeddedFigures): string {
  return [
    `embedded PGlite default, ${LOAD_PROCESSES} busy processes beside it, template in ${TEMPLATE_CACHE_DIR}:`,
    `  first start (empty DATA_DIR, template copied): ready in ${describe(figures.firstStartMs)}; database ${describe(figures.databaseMs.first)}`,
    `  first start without a template (initdb):       ready in ${describe(figures.firstStartWithoutTemplateMs)}; database ${describe(figures.databaseMs.withoutTemplate)}`,
    `  restart:                                        ready in ${describe(figures.restartMs)}; database ${describe(figures.databaseMs.restart)}`,
    `  idle resident memory, ${IDLE_WAIT_MS} ms after ready: ${figures.idleMiB.afterFirstStart} MiB after a first start, ${figures.idleMiB.afterRestart} MiB after a restart`,
  ].join('\n');
}

if (import.meta.main) {
  process.stdout.write(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadavg()[0]!.toFixed(1)} before\n`,
  );
  process.stdout.write(`${describeEmbedded(await measureEmbedded())}\n`);
}
