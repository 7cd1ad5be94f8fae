// Where chunk vectors live and how the nearest are found: the interface both stores implement.
import type { Queryable } from '../db/db.ts';
import type { KnowledgeState, Passage } from './documents-repo.ts';

export interface VectorHit {
  passage: Passage;
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
  /** true when vectors go into the chunk rows (the database store), false when the store keeps them itself. */
  readonly vectorsInRows: boolean;
  /** Stores a new document's vectors before its rows are committed; a no-op when they go into the rows. */
  put(documentId: string, model: string, points: readonly PointToStore[]): Promise<void>;
  /** Forgets documents' vectors (after a replacement, a removal, or a failed ingestion). */
  removeDocuments(documentIds: readonly string[]): Promise<void>;
  /** The `limit` passages nearest to `vector` with a similarity of at least `minScore`, best first. */
  search(db: Queryable, vector: readonly number[], model: string, state: KnowledgeState, limit: number, minScore: number): Promise<VectorHit[]>;
}
