// Vectors kept in the chunk rows as real[]: they load with the in-process index, which finds the nearest (vector-index.ts).
import type { VectorStore } from './vector-store.ts';

export function createDatabaseVectors(): VectorStore {
  return {
    description: 'vectors (real[] in the database)',
    vectorsInRows: true,
    async put() {},
    async removeDocuments() {},
    async search(index, vector, _model, limit, minScore) {
      if (!index.vectors) return [];
      return index.vectors.nearest(vector, limit, minScore).map(({ row, score }) => ({ row: index.vectorRows[row]!, score }));
    },
  };
}
