// Vectors kept in the chunk rows as real[], scored exactly in process from an index reloaded when the knowledge base changes.
import type { Queryable } from '../db/db.ts';
import { loadEmbeddedChunks, type Passage } from './documents-repo.ts';
import type { VectorHit, VectorStore } from './vector-store.ts';

interface LoadedIndex {
  version: number;
  model: string;
  dims: number;
  /** Row-major, one unit-length vector per passage. */
  matrix: Float32Array;
  passages: Passage[];
}

export function createDatabaseVectors(): VectorStore {
  let index: LoadedIndex | undefined;
  let loading: Promise<LoadedIndex> | undefined;

  async function load(db: Queryable, model: string, version: number): Promise<LoadedIndex> {
    const rows = await loadEmbeddedChunks(db, model);
    const dims = rows[0]?.embedding.length ?? 0;
    // A model always gives one length; rows of another length cannot be compared and are left out.
    const usable = rows.filter((row) => row.embedding.length === dims);
    const matrix = new Float32Array(usable.length * dims);
    usable.forEach((row, i) => matrix.set(row.embedding, i * dims));
    return { version, model, dims, matrix, passages: usable.map(({ embedding: _embedding, ...passage }) => passage) };
  }

  // Concurrent turns after a change share one reload instead of each reading every vector.
  async function current(db: Queryable, model: string, version: number): Promise<LoadedIndex> {
    if (index && index.version === version && index.model === model) return index;
    loading ??= load(db, model, version).finally(() => {
      loading = undefined;
    });
    index = await loading;
    return index;
  }

  return {
    description: 'exact vectors (real[] in the database)',
    vectorsInRows: true,
    async put() {},
    async removeDocuments() {},
    async search(db, vector, model, state, limit, minScore) {
      const loaded = await current(db, model, state.version);
      if (loaded.dims !== vector.length) return [];
      return nearest(loaded, vector, limit, minScore);
    },
  };
}

function nearest(index: LoadedIndex, vector: readonly number[], limit: number, minScore: number): VectorHit[] {
  const { matrix, dims, passages } = index;
  const query = Float32Array.from(vector);
  // The best `limit` so far, kept sorted: limits are small, so insertion beats a heap.
  const best: { row: number; score: number }[] = [];
  for (let row = 0; row < passages.length; row += 1) {
    let score = 0;
    const offset = row * dims;
    for (let i = 0; i < dims; i += 1) score += matrix[offset + i]! * query[i]!;
    if (score < minScore || (best.length === limit && score <= best.at(-1)!.score)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < score) at -= 1;
    best.splice(at, 0, { row, score });
    if (best.length > limit) best.pop();
  }
  return best.map(({ row, score }) => ({ passage: passages[row]!, score }));
}
