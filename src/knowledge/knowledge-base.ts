// The knowledge base as the app and the command line use it: add, list, remove, search, reindex.
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { chunkTexts, deleteDocument, listDocuments, setEmbeddings, type StoredDocument } from './documents-repo.ts';
import { createDatabaseVectors } from './database-vectors.ts';
import { createEmbedder, type Embedder, type EmbeddingObserver } from './embedder.ts';
import { ingestDocument, type DocumentInput, type IngestProgress, type IngestResult } from './ingest.ts';
import { createQdrantVectors } from './qdrant-vectors.ts';
import { createRetriever, type Retriever } from './retrieve.ts';
import type { VectorStore } from './vector-store.ts';

/** A document too long for this many passages is better split by its owner. */
const MAX_CHUNKS_PER_DOCUMENT = 5_000;

export interface KnowledgeBase {
  /** How retrieval works here, said once at start and in /ready: full text, and which vectors. */
  readonly description: string;
  readonly embeddingModel: string | null;
  add(input: DocumentInput, progress?: IngestProgress): Promise<IngestResult>;
  list(): Promise<StoredDocument[]>;
  /** false when there is no document with that id. */
  remove(id: string): Promise<boolean>;
  search: Retriever['search'];
  /** Loads the search index now (the server, once it listens), so that the first turn does not wait for it. */
  prepare(): Promise<void>;
  /** Re-embeds every document whose vectors are not from the current model (`all`: every document); returns how many. */
  reindex(all: boolean, progress?: (document: StoredDocument, done: number, total: number) => void): Promise<number>;
}

/** The slice of a pino logger this needs. */
export interface KnowledgeLog {
  warn(obj: { err: unknown; documentIds?: string[] }, msg: string): void;
  /** Optional: the command line and the benchmarks say nothing of a graph built in the background. */
  info?(obj: { passages: number; seconds: number }, msg: string): void;
}

/** Observes the knowledge base's work (metrics) without it knowing who counts. */
export interface KnowledgeObserver extends EmbeddingObserver {
  /** Dense queries are now answered through a vector graph over this many passages. */
  vectorGraphBuilt(passages: number): void;
}

export interface KnowledgeDeps {
  db: Db;
  config: Pick<Config, 'knowledge' | 'qdrant' | 'defaultLanguage'>;
  log: KnowledgeLog;
  observer?: KnowledgeObserver;
  /** Overrides the embedder built from config (benchmarks). */
  embedder?: Embedder | null;
  /** How long searches use the passages loaded before reading the change counter again (default 1 s; tests shorten it). */
  recheckMs?: number;
}

export function createKnowledgeBase(deps: KnowledgeDeps): KnowledgeBase {
  const { db, config } = deps;
  const settings = config.knowledge;
  const embedder = deps.embedder !== undefined ? deps.embedder : settings.embedding ? createEmbedder(settings.embedding, deps.observer) : null;
  // The one place that picks where vectors live.
  const vectors: VectorStore = config.qdrant.url
    ? createQdrantVectors({ url: config.qdrant.url, apiKey: config.qdrant.apiKey, collection: config.qdrant.collection })
    : createDatabaseVectors();
  const retriever = createRetriever({
    db,
    embedder,
    vectors,
    minSimilarity: settings.minSimilarity,
    onVectorFailure: (error) => deps.log.warn({ err: error }, 'knowledge: vector search failed; answering from full-text matches only'),
    onGraphFailure: (error) => deps.log.warn({ err: error }, 'knowledge: the vector graph could not be built; searching vectors by scan, which costs more per turn'),
    onGraphReady: (passages, buildMs) => {
      deps.log.info?.({ passages, seconds: Math.round(buildMs) / 1000 }, 'knowledge: vector graph built; dense vectors are searched through it');
      deps.observer?.vectorGraphBuilt(passages);
    },
    onIndexCheckFailure: (error) => deps.log.warn({ err: error }, 'knowledge: the change counter could not be read; searching the passages loaded before'),
    recheckMs: deps.recheckMs,
  });
  const forget = (ids: string[]) =>
    vectors.removeDocuments(ids).catch((error: unknown) => deps.log.warn({ err: error, documentIds: ids }, 'knowledge: stale vectors could not be removed from the vector store'));

  return {
    description: embedder ? `full text + ${vectors.description}, embeddings from ${embedder.model}` : 'full text only (no embedding endpoint configured)',
    embeddingModel: embedder?.model ?? null,
    add: (input, progress) =>
      changing(() => ingestDocument(
        {
          db,
          embedder,
          vectors,
          forget,
          chunking: { sizeChars: settings.chunkSizeChars, overlapChars: settings.chunkOverlapChars },
          maxDocumentBytes: settings.maxDocumentBytes,
          maxChunks: MAX_CHUNKS_PER_DOCUMENT,
          defaultLanguage: config.defaultLanguage,
        },
        input,
        progress,
      )),
    list: () => listDocuments(db),
    async remove(id) {
      const removed = await changing(() => db.transaction((tx) => deleteDocument(tx, id)));
      if (removed) await forget([id]);
      return removed;
    },
    search: (...args) => retriever.search(...args),
    prepare: () => retriever.prepare(),
    async reindex(all, progress) {
      const stale = (await listDocuments(db)).filter((document) => all || document.embeddingModel !== (embedder?.model ?? null));
      for (const [i, document] of stale.entries()) {
        await changing(() => reembed(document));
        progress?.(document, i + 1, stale.length);
      }
      return stale.length;
    },
  };

  async function changing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      retriever.changed();
    }
  }

  async function reembed(document: StoredDocument): Promise<void> {
    const chunks = await chunkTexts(db, document.id);
    if (!embedder) {
      await db.transaction((tx) => setEmbeddings(tx, document.id, null, null));
      await forget([document.id]);
      return;
    }
    const produced = await embedder.embedPassages(chunks.map((chunk) => `${chunk.heading}\n${chunk.text}`));
    const byChunk = new Map(chunks.map((chunk, i) => [chunk.id, produced[i]!]));
    if (!vectors.vectorsInRows) {
      await vectors.removeDocuments([document.id]);
      await vectors.put(document.id, embedder.model, chunks.map((chunk) => ({ chunkId: chunk.id, vector: byChunk.get(chunk.id)! })));
    }
    const embedding = { model: embedder.model, dims: produced[0]?.length ?? 0 };
    await db.transaction((tx) => setEmbeddings(tx, document.id, embedding, vectors.vectorsInRows ? byChunk : null));
  }
}
