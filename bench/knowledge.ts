// `node bench/knowledge.ts`: knowledge retrieval over 10,000 chunks (p50/p95, embedding call excluded) and ingestion
// throughput on PGlite and PostgreSQL, and recall@3 of full text vs hybrid on the answer-quality fixture.
import { cpus, totalmem } from 'node:os';
import { loadConfig, type Language } from '../src/config.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite-db.ts';
import { openPostgres } from '../src/db/postgres-db.ts';
import { createEmbedder, type Embedder } from '../src/knowledge/embedder.ts';
import { createKnowledgeBase, type KnowledgeBase } from '../src/knowledge/knowledge-base.ts';
import { QUALITY_QUESTIONS, recallAt } from '../test/helpers/knowledge-quality.ts';
import { sampleDocuments } from '../test/helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { syntheticDocuments } from './synthetic-knowledge.ts';

const CHUNKS = Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 10_000);
const SEARCHES = Number(process.env.BENCH_KNOWLEDGE_SEARCHES ?? 500);

const line = (text: string) => process.stdout.write(`${text}\n`);

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
    await knowledge.search('warm up', 'en', 3); // the vector index loads on first use
    const timesMs: number[] = [];
    for (let i = 0; i < SEARCHES; i += 1) {
      const [query, language] = queries[i % queries.length]!;
      const t0 = performance.now();
      await knowledge.search(query, language, 3);
      timesMs.push(performance.now() - t0);
    }
    timesMs.sort((a, b) => a - b);
    line(`| ${label} | ${mode} | ${stored} | ${quantile(timesMs, 0.5).toFixed(2)} | ${quantile(timesMs, 0.95).toFixed(2)} | ${quantile(timesMs, 0.99).toFixed(2)} |`);
  }
  line(`| ${label} | ingestion | ${stored} chunks in ${ingestSeconds.toFixed(1)} s | ${Math.round(stored / ingestSeconds)} chunks/s (embeddings from the stand-in) | | |`);
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

const standIn = await startLlmStandIn();
try {
  line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  line(`\n| database | search | chunks | p50 ms | p95 ms | p99 ms |`);
  line('|---|---|---|---|---|---|');
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
  await quality(standIn);
} finally {
  await standIn.close();
}
