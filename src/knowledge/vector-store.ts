// Where chunk vectors live and how the nearest are found: the interface both stores implement.
import type { KnowledgeIndex } from './knowledge-index.ts';

export interface VectorHit {
  /** The passage's position in the index. */
  row: number;
  /** Cosine similarity, -1 to 1. */
  score: number;
}

export interface PointToStore {
  chunkId: string;
  vector: number[];
}

export interface VectorStore {
  /** Said once at start and in /ready's detail. */
  readonly description: string;
  /** true when vectors go into the chunk rows (and so into the in-process index), false when the store keeps them itself. */
  readonly vectorsInRows: boolean;
  /** Stores a new document's vectors before its rows are committed; a no-op when they go into the rows. */
  put(documentId: string, model: string, points: readonly PointToStore[]): Promise<void>;
  /** Forgets documents' vectors (after a replacement, a removal, or a failed ingestion). */
  removeDocuments(documentIds: readonly string[]): Promise<void>;
  /** The `limit` passages of `index` nearest to `vector` with a similarity of at least `minScore`, best first. */
  search(index: KnowledgeIndex, vector: readonly number[], model: string, limit: number, minScore: number): Promise<VectorHit[]>;
}
