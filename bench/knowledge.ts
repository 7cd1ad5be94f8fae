// `node bench/knowledge.ts`: knowledge retrieval over 10,000 chunks (p50/p95, embedding call excluded), the in-process
// index's own CPU per search, ingestion throughput on PGlite and PostgreSQL, and recall@3 of full text vs hybrid.
import { cpus, totalmem } from 'node:os';
import { loadConfig, type Language } from '../src/config.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite-db.ts';
import { openPostgres } from '../src/db/postgres-db.ts';
import { createEmbedder, type Embedder } from '../src/knowledge/embedder.ts';
import { knowledgeVersion } from '../src/knowledge/documents-repo.ts';
import { createKnowledgeBase, type KnowledgeBase } from '../src/knowledge/knowledge-base.ts';
import { buildKnowledgeIndex, loadIndexParts } from '../src/knowledge/knowledge-index.ts';
import { queryTerms } from '../src/knowledge/text-search.ts';
import { QUALITY_QUESTIONS, recallAt } from '../test/helpers/knowledge-quality.ts';
import { sampleDocuments } from '../test/helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { denseEmbedding } from './dense-embeddings.ts';
import { syntheticDocuments } from './synthetic-knowledge.ts';

const CHUNKS = Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 10_000);
const SEARCHES = Number(process.env.BENCH_KNOWLEDGE_SEARCHES ?? 500);
// BENCH_EMBEDDING_DIMENSIONS=1536: dense vectors of a real model's length (bench/dense-embeddings.ts).
const DENSE_DIMS = Number(process.env.BENCH_EMBEDDING_DIMENSIONS ?? 0);

const line = (text: string) => process.stdout.write(`${text}\n`);
const loads: string[] = [];
const inProcessLines: string[] = [];

/** The stand-in's embedder, with the query vectors computed ahead: the timed searches make no embedding call. */
async function precomputedQueries(standIn: LlmStandIn, queries: string[]): Promise<Embedder> {
  const real = createEmbedder({ model: 'text-embedding-3-small', baseUrl: standIn.openaiBaseUrl, apiKey: 'sk-bench' });
  const vectors = new Map<string, number[]>();
  for (const query of queries) vectors.set(query, await real.embedQuery(query));
  return { ...real, embedQuery: async (text) => vectors.get(text) ?? real.embedQuery(text) };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(label: string, db: Db, standIn: LlmStandIn): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-bench' });
  const log = { warn: ({ err }: { err: unknown }, msg: string) => process.stderr.write(`warning: ${msg}: ${String(err)}\n`) };
  const writer = createKnowledgeBase({ db, config, log });
  const documents = syntheticDocuments(CHUNKS);
  const startedMs = performance.now();
  let stored = 0;
  for (const document of documents) stored += (await writer.add(document)).chunks;
  const ingestSeconds = (performance.now() - startedMs) / 1000;

  const queries = QUALITY_QUESTIONS.map((q) => [q.question, q.language] as [string, Language]);
  const embedder = await precomputedQueries(standIn, queries.map(([q]) => q));
  const modes: [string, KnowledgeBase][] = [
    ['full text', createKnowledgeBase({ db, config, log, embedder: null })],
    ['hybrid', createKnowledgeBase({ db, config, log, embedder })],
  ];
  for (const [mode, knowledge] of modes) {
    const loadStartedMs = performance.now();
    await knowledge.search('warm up', 'en', 3); // the index loads on first use
    loads.push(`${label} ${mode}: ${Math.round(performance.now() - loadStartedMs)} ms`);
    const timesMs: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < SEARCHES; i += 1) {
      const [query, language] = queries[i % queries.length]!;
      const t0 = performance.now();
      await knowledge.search(query, language, 3);
      timesMs.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpuBefore);
    timesMs.sort((a, b) => a - b);
    line(
      `| ${label} | ${mode} | ${stored} | ${quantile(timesMs, 0.5).toFixed(2)} | ${quantile(timesMs, 0.95).toFixed(2)} | ${quantile(timesMs, 0.99).toFixed(2)} | ${((cpu.user + cpu.system) / 1000 / SEARCHES).toFixed(3)} |`,
    );
  }
  line(`| ${label} | ingestion | ${stored} chunks in ${ingestSeconds.toFixed(1)} s | ${Math.round(stored / ingestSeconds)} chunks/s (embeddings from the stand-in) | | | |`);
  if (label === 'PGlite') await inProcess(db, queries, embedder);
}

/** The in-process index alone, no database and no embedding call: CPU per search of each half, and the vector half against an exact scan. */
async function inProcess(db: Db, queries: [string, Language][], embedder: Embedder): Promise<void> {
  const parts = await loadIndexParts(db, embedder.model, true);
  const index = buildKnowledgeIndex(await knowledgeVersion(db), parts);
  // Row-major, as the exact scan before this index read them (every synthetic passage has a vector).
  const embedded = parts.flatMap((part) => (part.embedding ? [part.embedding] : []));
  const dims = embedded[0]!.length;
  const matrix = new Float32Array(embedded.length * dims);
  embedded.forEach((vector, i) => matrix.set(vector, i * dims));
  const exactScan = (vector: readonly number[], limit: number, minScore: number): number[] => {
    const scores: { row: number; score: number }[] = [];
    for (let row = 0; row < embedded.length; row += 1) {
      let score = 0;
      for (let d = 0; d < dims; d += 1) score += matrix[row * dims + d]! * vector[d]!;
      if (score >= minScore) scores.push({ row, score });
    }
    return scores.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, limit).map((s) => s.row);
  };
  const vectors = await Promise.all(queries.map(([query]) => embedder.embedQuery(query)));
  const rounds = Math.max(1, Math.ceil((SEARCHES * 4) / queries.length));
  const time = (name: string, search: (i: number) => void, times = rounds) => {
    for (let i = 0; i < queries.length; i += 1) search(i); // warm up
    const timesUs: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let round = 0; round < times; round += 1) {
      for (let i = 0; i < queries.length; i += 1) {
        const t0 = performance.now();
        search(i);
        timesUs.push((performance.now() - t0) * 1000);
      }
    }
    const cpu = process.cpuUsage(cpuBefore);
    timesUs.sort((a, b) => a - b);
    const mean = timesUs.reduce((sum, t) => sum + t, 0) / timesUs.length;
    const cpuPerSearch = (cpu.user + cpu.system) / timesUs.length;
    inProcessLines.push(`| ${name} | ${Math.round(cpuPerSearch)} | ${Math.round(mean)} | ${Math.round(quantile(timesUs, 0.5))} | ${Math.round(quantile(timesUs, 0.99))} |`);
  };
  time('full text: query terms + BM25, 20 candidates', (i) => index.text.search(queryTerms(queries[i]![1], queries[i]![0]), 20));
  time('vectors: first pass + exact rescoring, 20 candidates', (i) => index.vectors!.nearest(vectors[i]!, 20, 0.35));
  time('vectors: exact scan of every passage (before)', (i) => exactScan(vectors[i]!, 20, 0.35), 2);
  let same = 0;
  let total = 0;
  for (const vector of vectors) {
    const exact = exactScan(vector, 20, 0.35);
    const found = new Set(index.vectors!.nearest(vector, 20, 0.35).map((m) => m.row));
    total += exact.length;
    same += exact.filter((row) => found.has(row)).length;
  }
  inProcessLines.push(`\nvector top-20 (similarity ≥ 0.35) against the exact scan, ${vectors.length} questions: ${same} of ${total} passages the same`);
}

async function quality(standIn: LlmStandIn): Promise<void> {
  const db = await openPglite(undefined);
  await migrate(db);
  const config = loadConfig({ NODE_ENV: 'test', OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-bench' });
  const log = { warn: () => {} };
  const hybrid = createKnowledgeBase({ db, config, log });
  for (const document of sampleDocuments()) await hybrid.add(document);
  const textOnly = createKnowledgeBase({ db, config, log, embedder: null });
  const rows: [string, Awaited<ReturnType<typeof recallAt>>][] = [
    ['full text', await recallAt(textOnly, 3)],
    ['hybrid', await recallAt(hybrid, 3)],
  ];
  line('\n| recall@3 | en | ru | uk | sk | all |');
  line('|---|---|---|---|---|---|');
  const pct = (v: number | undefined) => `${Math.round((v ?? 0) * 100)}%`;
  for (const [mode, recall] of rows) {
    const r = recall.byLanguage;
    line(`| ${mode} | ${pct(r.en)} | ${pct(r.ru)} | ${pct(r.uk)} | ${pct(r.sk)} | ${pct(r.all)} |`);
  }
  line(`\n${QUALITY_QUESTIONS.length} questions; hybrid misses: ${rows[1]![1].missed.join('; ') || 'none'}`);
  await db.close();
}

const standIn = await startLlmStandIn(DENSE_DIMS > 0 ? denseEmbedding(DENSE_DIMS) : undefined);
try {
  line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  line(`\n| database | search | chunks | p50 ms | p95 ms | p99 ms | CPU ms per search |`);
  line('|---|---|---|---|---|---|---|');
  const pglite = await openPglite(undefined);
  await migrate(pglite);
  await measure('PGlite', pglite, standIn);
  await pglite.close();
  const database = await createTestDatabase();
  if (database) {
    const postgres = await openPostgres({ url: database.url, poolSize: 2, poolMaxOverflow: 2, poolIdleTimeoutMs: 10_000, poolAcquireTimeoutMs: 5_000, queryTimeoutMs: 30_000, statementTimeoutMs: 25_000 });
    try {
      await migrate(postgres);
      await measure('PostgreSQL', postgres, standIn);
    } finally {
      await postgres.close();
      await database.drop();
    }
  } else {
    line('| PostgreSQL | not reachable: skipped | | | | |');
  }
  line(`\nindex load (first search after a change): ${loads.join(', ')}`);
  line('\n| in process, PGlite corpus, no embedding call | CPU µs per search | mean µs | p50 µs | p99 µs |');
  line('|---|---|---|---|---|');
  for (const text of inProcessLines) line(text);
  await quality(standIn);
} finally {
  await standIn.close();
}
