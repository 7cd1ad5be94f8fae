// `node bench/knowledge-search.ts`: the CPU of one turn's knowledge search in process over 10,000 passages, part by part (no database, no network).
//
// The corpus is ingested once into an embedded database kept in BENCH_KNOWLEDGE_DIR (default
// $TMPDIR/phone-assistant-knowledge-<chunks>), so that repeated runs (before/after a change) read the
// same passages in seconds. The stand-in's embeddings are computed in process for the query vectors.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Language } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite-db.ts';
import { knowledgeVersion } from '../src/knowledge/documents-repo.ts';
import { normalise, type Embedder } from '../src/knowledge/embedder.ts';
import { createKnowledgeBase } from '../src/knowledge/knowledge-base.ts';
import { buildKnowledgeIndex, loadIndexParts } from '../src/knowledge/knowledge-index.ts';
import { buildVectorIndex } from '../src/knowledge/vector-index.ts';
import { queryTerms } from '../src/knowledge/text-search.ts';
import { renderPassages } from '../src/assistant/knowledge-context.ts';
import { QUALITY_QUESTIONS } from '../test/helpers/knowledge-quality.ts';
import { startLlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { standInEmbedding } from '../test/helpers/stand-in-embeddings.ts';
import { syntheticDocuments } from './synthetic-knowledge.ts';
import { clusteredVectors, exactScan } from './synthetic-vectors.ts';

const CHUNKS = Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_KNOWLEDGE_ROUNDS ?? 40);
// Each figure is the least of this many measurements: on a shared machine the others only add.
const REPEATS = Number(process.env.BENCH_KNOWLEDGE_REPEATS ?? 5);
const DIR = process.env.BENCH_KNOWLEDGE_DIR ?? path.join(tmpdir(), `phone-assistant-knowledge-${CHUNKS}`);
const MODEL = 'text-embedding-3-small';

const line = (text: string) => process.stdout.write(`${text}\n`);

async function openCorpus() {
  const fresh = !existsSync(DIR);
  const db = await openPglite(DIR);
  await migrate(db);
  if (fresh) {
    const standIn = await startLlmStandIn();
    try {
      const config = loadConfig({ NODE_ENV: 'test', OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-bench', EMBEDDING_MODEL: MODEL });
      const writer = createKnowledgeBase({ db, config, log: { warn: () => {} } });
      for (const document of syntheticDocuments(CHUNKS)) await writer.add(document);
    } finally {
      await standIn.close();
    }
  }
  return db;
}

const db = await openCorpus();
const index = buildKnowledgeIndex(await knowledgeVersion(db), await loadIndexParts(db, MODEL, true));
const questions = QUALITY_QUESTIONS.map((q) => ({ query: q.question, language: q.language as Language, vector: normalise(standInEmbedding(q.question)) }));
line(`${index.passages.length} passages, ${index.vectors?.size ?? 0} with vectors; ${questions.length} questions × ${ROUNDS} rounds; Node ${process.version}`);

/** CPU and wall µs per call of `run(question)` (each the least of REPEATS measurements), after a warm-up round. */
async function cpuPerCall(name: string, run: (q: (typeof questions)[number]) => unknown): Promise<void> {
  for (const q of questions) await run(q);
  let cpuUs = Infinity;
  let wallUs = Infinity;
  const calls = ROUNDS * questions.length;
  for (let repeat = 0; repeat < REPEATS; repeat += 1) {
    const before = process.cpuUsage();
    const startedMs = performance.now();
    for (let round = 0; round < ROUNDS; round += 1) for (const q of questions) await run(q);
    const cpu = process.cpuUsage(before);
    cpuUs = Math.min(cpuUs, (cpu.user + cpu.system) / calls);
    wallUs = Math.min(wallUs, ((performance.now() - startedMs) * 1000) / calls);
  }
  line(`| ${name} | ${cpuUs.toFixed(1)} | ${wallUs.toFixed(1)} |`);
}

// A whole search through the retriever, with the query's vector at hand (no request, no stand-in work).
const vectors = new Map(questions.map((q) => [q.query, q.vector]));
const embedder: Embedder = {
  model: MODEL,
  embedPassages: async () => [],
  embedQuery: async (text) => vectors.get(text) ?? normalise(standInEmbedding(text)),
};
const config = loadConfig({ NODE_ENV: 'test', OPENAI_API_KEY: 'sk-bench', EMBEDDING_MODEL: MODEL });
const knowledge = createKnowledgeBase({ db, config, log: { warn: () => {} }, embedder });
await knowledge.prepare();

line('\n| in process, 10,000 passages | CPU µs per call | wall µs per call |');
line('|---|---|---|');
await cpuPerCall('query terms', (q) => queryTerms(q.language, q.query));
await cpuPerCall('full text: query terms + BM25, 20 candidates', (q) => index.text.search(queryTerms(q.language, q.query), 20));
await cpuPerCall('vectors: nearest 20 (similarity ≥ 0.35)', (q) => index.vectors!.nearest(q.vector, 20, 0.35));
await cpuPerCall('passages rendered for the prompt (3)', () => renderPassages(index.passages.slice(0, 3)));
// Searches one after another, awaited: the whole retriever (both halves, fusion, the span).
await cpuPerCall('whole search (retriever, vector at hand)', (q) => knowledge.search(q.query, q.language, 3));
await db.close();

// A real model's query vectors are dense, unlike the stand-in's (4-8 of 256 dimensions): the same
// 10,000 passages' worth of clustered unit vectors at 256 and at 1,536 dimensions (text-embedding-3-small),
// searched by the scan alone and through the graph built in a worker (vector-graph.ts).
for (const dims of (process.env.BENCH_KNOWLEDGE_DENSE ?? '256,1536').split(',').filter(Boolean).map(Number)) {
  const { vectors, queries } = clusteredVectors(dims, 10_000, questions.length, 7);
  const scan = buildVectorIndex(vectors);
  scan.close();
  await cpuPerCall(`vectors, dense ${dims} dimensions: nearest 20, scan`, (q) => scan.nearest(queries[questions.indexOf(q)]!, 20, -1));
  const builtAtMs = performance.now();
  const graphed = buildVectorIndex(vectors);
  if ((await graphed.ready()) !== 'graph') throw new Error('the vector graph was not built');
  const buildS = ((performance.now() - builtAtMs) / 1000).toFixed(1);
  await cpuPerCall(`vectors, dense ${dims} dimensions: nearest 20, graph (built in ${buildS} s in a worker)`, (q) => graphed.nearest(queries[questions.indexOf(q)]!, 20, -1));
  // The graph's answers against every row scored in full.
  let shared = 0;
  for (const query of queries) {
    const exact = new Set(exactScan(vectors, query, 20, -1).map((match) => match.row));
    shared += graphed.nearest(query, 20, -1).filter((match) => exact.has(match.row)).length / 20;
  }
  line(`| (graph's nearest 20 also in the exact nearest 20, ${dims} dimensions) | ${((100 * shared) / queries.length).toFixed(1)} % | |`);
  graphed.close();
}
