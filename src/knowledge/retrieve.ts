// Hybrid retrieval: full-text and vector rankings fused by reciprocal rank, for one query in one language.
import type { Language } from '../config.ts';
import type { Db } from '../db/db.ts';
import { fullTextSearch, hasNoChunks, type KnowledgeState, type Passage } from './documents-repo.ts';
import type { Embedder } from './embedder.ts';
import { prefixQuery, SEARCH_CONFIG } from './text-search.ts';
import type { VectorStore } from './vector-store.ts';

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
}

// The usual constant of reciprocal rank fusion: it damps the weight of the very first ranks.
const RRF_K = 60;
// Each ranking contributes this many candidates per passage asked for.
const CANDIDATES_PER_RESULT = 4;
const MIN_CANDIDATES = 20;
// An empty knowledge base is looked at again after this long, so a turn costs no query until it has documents.
const EMPTY_RECHECK_MS = 1_000;

export interface Retriever {
  search(query: string, language: Language, limit: number, signal?: AbortSignal): Promise<SearchResult[]>;
  /** Told when this process changed the knowledge base, so an "empty" seen before is not trusted. */
  changed(): void;
}

export function createRetriever(deps: RetrieveDeps): Retriever {
  const model = deps.embedder?.model ?? null;
  // When the knowledge base was last seen empty (undefined: it was not): until EMPTY_RECHECK_MS later,
  // searches cost no query. It starts as "long ago", so the first search looks before it queries text.
  let foundEmptyAt: number | undefined = -Infinity;
  // The one look at an empty-or-unknown knowledge base that concurrent searches share, so a burst
  // of turns on a business without documents makes one query, not one each.
  let emptyCheck: Promise<boolean> | undefined;

  async function isEmpty(): Promise<boolean> {
    if (foundEmptyAt === undefined) return false;
    if (performance.now() - foundEmptyAt < EMPTY_RECHECK_MS) return true;
    emptyCheck ??= hasNoChunks(deps.db)
      .then((empty) => {
        foundEmptyAt = empty ? performance.now() : undefined;
        return empty;
      })
      .finally(() => {
        emptyCheck = undefined;
      });
    return emptyCheck;
  }

  async function vectorHits(query: string, state: KnowledgeState, candidates: number, signal?: AbortSignal): Promise<Passage[]> {
    if (!deps.embedder || !model || !state.hasVectors) return [];
    try {
      const vector = await deps.embedder.embedQuery(query, signal);
      const hits = await deps.vectors.search(deps.db, vector, model, state, candidates, deps.minSimilarity);
      return hits.map((hit) => hit.passage);
    } catch (error) {
      if (signal?.aborted) throw error;
      deps.onVectorFailure(error);
      return [];
    }
  }

  return {
    async search(query, language, limit, signal) {
      if (await isEmpty()) return [];
      const candidates = Math.max(MIN_CANDIDATES, limit * CANDIDATES_PER_RESULT);
      const prefix = SEARCH_CONFIG[language] === 'simple' ? prefixQuery(language as 'uk' | 'sk', query) : null;
      const text = await fullTextSearch(deps.db, { language, text: query, prefixQuery: prefix }, candidates, model);
      foundEmptyAt = text.state.empty ? performance.now() : undefined;
      const vector = await vectorHits(query, text.state, candidates, signal);
      return fuse(text.hits, vector, limit);
    },
    changed() {
      if (foundEmptyAt !== undefined) foundEmptyAt = -Infinity;
    },
  };
}

/** Reciprocal rank fusion of the two rankings: each passage scores Σ 1 / (k + rank) over the rankings that found it. */
export function fuse(text: readonly Passage[], vector: readonly Passage[], limit: number): SearchResult[] {
  const fused = new Map<string, SearchResult>();
  const add = (ranking: readonly Passage[], by: 'text' | 'vector') => {
    ranking.forEach((passage, rank) => {
      const entry = fused.get(passage.chunkId) ?? { ...pick(passage), score: 0, matchedBy: [] };
      entry.score += 1 / (RRF_K + rank + 1);
      entry.matchedBy.push(by);
      fused.set(passage.chunkId, entry);
    });
  };
  add(text, 'text');
  add(vector, 'vector');
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}

// Only the passage's fields: full-text hits also carry their rank.
function pick({ chunkId, documentId, title, heading, text, language }: Passage): Passage {
  return { chunkId, documentId, title, heading, text, language };
}
