// Hybrid retrieval: full-text and vector rankings over the in-process index, fused by reciprocal rank, for one query in one language.
import type { Language } from '../config.ts';
import type { Db } from '../db/db.ts';
import { createCurrentIndex } from './current-index.ts';
import { knowledgeVersion, type Passage } from './documents-repo.ts';
import type { Embedder } from './embedder.ts';
import { loadKnowledgeIndex, type KnowledgeIndex } from './knowledge-index.ts';
import { isSmallTalk } from './small-talk.ts';
import { queryTerms } from './text-search.ts';
import type { VectorStore } from './vector-store.ts';
import { inSpan } from '../telemetry/spans.ts';

export interface SearchResult extends Passage {
  /** Reciprocal-rank-fusion score: higher is better; comparable within one search only. */
  score: number;
  /** Which rankings found it. */
  matchedBy: ('text' | 'vector')[];
}

export interface RetrieveDeps {
  db: Db;
  embedder: Embedder | null;
  vectors: VectorStore;
  /** Least cosine similarity for a passage found by its vector alone. */
  minSimilarity: number;
  /** Told when the vector half fails; the search goes on with full text. */
  onVectorFailure(error: unknown): void;
  /** Told when the vector graph of a large index could not be built; its vectors are searched by scan. */
  onGraphFailure(error: unknown): void;
  /** Told when a large index's vector graph is built: its vectors are searched through it from now on. */
  onGraphReady(passages: number, buildMs: number): void;
  /** Told when reading the change counter fails in the background; searches go on with the index they have. */
  onIndexCheckFailure(error: unknown): void;
  /** How long the index is used before the change counter is read again (tests shorten it). */
  recheckMs?: number;
}

// The usual constant of reciprocal rank fusion: it damps the weight of the very first ranks.
const RRF_K = 60;
// Each ranking contributes this many candidates per passage asked for.
const CANDIDATES_PER_RESULT = 4;
const MIN_CANDIDATES = 20;

export interface Retriever {
  /** `onEmbeddingWait` is told how long the search sat waiting on the embedding request once its own ranking was done. */
  search(query: string, language: Language, limit: number, signal?: AbortSignal, onEmbeddingWait?: (wait: { fromMs: number; toMs: number }) => void): Promise<SearchResult[]>;
  /** Told when this process changed the knowledge base, so the next search sees the change. */
  changed(): void;
  /** Loads the index ahead of the first search. */
  prepare(): Promise<void>;
}

export function createRetriever(deps: RetrieveDeps): Retriever {
  const model = deps.embedder?.model ?? null;
  const current = createCurrentIndex({
    readVersion: () => knowledgeVersion(deps.db),
    load: (version) => loadKnowledgeIndex(deps.db, version, model, deps.vectors.vectorsInRows, { onGraphFailure: deps.onGraphFailure, onGraphReady: deps.onGraphReady }),
    recheckMs: deps.recheckMs,
    onCheckFailure: deps.onIndexCheckFailure,
  });

  async function vectorHits(
    index: KnowledgeIndex,
    vector: Promise<number[]>,
    candidates: number,
    signal?: AbortSignal,
    onEmbeddingWait?: (wait: { fromMs: number; toMs: number }) => void,
  ): Promise<readonly { row: number }[]> {
    try {
      const fromMs = performance.now();
      const embedding = await vector;
      onEmbeddingWait?.({ fromMs, toMs: performance.now() });
      return await deps.vectors.search(index, embedding, model!, candidates, deps.minSimilarity);
    } catch (error) {
      if (signal?.aborted) throw error;
      deps.onVectorFailure(error);
      return [];
    }
  }

  async function searchIndex(query: string, language: Language, limit: number, signal?: AbortSignal, onEmbeddingWait?: (wait: { fromMs: number; toMs: number }) => void): Promise<SearchResult[]> {
    // The index in hand without an await when no check must come first (nearly every turn).
    const index = current.peek() ?? (await current.get());
    if (index.passages.length === 0) return [];
    const candidates = Math.max(MIN_CANDIDATES, limit * CANDIDATES_PER_RESULT);
    // The embedding request goes out first; the full-text ranking runs while it is on its way.
    // None when the latest line (the caller's latest words, after any earlier ones as context) is
    // small talk ("yes, thank you"): the full text of the context still finds what it was about.
    const latest = query.slice(query.lastIndexOf('\n') + 1);
    const vector = deps.embedder && index.hasVectors && !isSmallTalk(language, latest) ? deps.embedder.embedQuery(query, signal) : null;
    // Handled in vectorHits; this only keeps a failure that comes before then from counting as unhandled.
    vector?.catch(() => {});
    const text = index.text.search(queryTerms(language, query), candidates);
    const fused = fuse(text, vector ? await vectorHits(index, vector, candidates, signal, onEmbeddingWait) : [], limit);
    return fused.map(({ row, score, text: byText, vector: byVector }) => ({
      ...index.passages[row]!,
      score,
      matchedBy: byText && byVector ? ['text', 'vector'] : byText ? ['text'] : ['vector'],
    }));
  }

  return {
    search(query, language, limit, signal, onEmbeddingWait) {
      // The query is the caller's words: the span says only its language and how many passages were asked for.
      return inSpan('knowledge.retrieve', { attributes: { 'knowledge.language': language, 'knowledge.limit': limit } }, () =>
        searchIndex(query, language, limit, signal, onEmbeddingWait),
      );
    },
    changed() {
      current.changed();
    },
    async prepare() {
      await current.get();
    },
  };
}

/** A passage's place in the fused ranking. */
export interface Fused {
  row: number;
  score: number;
  text: boolean;
  vector: boolean;
}

/**
 * Reciprocal rank fusion of the two rankings (rows of one index, best first): each passage scores
 * Σ 1 / (k + rank) over the rankings that found it; equal scores keep text's order, then vector's.
 */
export function fuse(text: readonly { row: number }[], vector: readonly { row: number }[], limit: number): Fused[] {
  const fused = new Map<number, Fused>();
  for (let rank = 0; rank < text.length; rank += 1) {
    const row = text[rank]!.row;
    fused.set(row, { row, score: 1 / (RRF_K + rank + 1), text: true, vector: false });
  }
  for (let rank = 0; rank < vector.length; rank += 1) {
    const row = vector[rank]!.row;
    const entry = fused.get(row);
    if (entry) {
      entry.score += 1 / (RRF_K + rank + 1);
      entry.vector = true;
    } else {
      fused.set(row, { row, score: 1 / (RRF_K + rank + 1), text: false, vector: true });
    }
  }
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}
