// Vectors kept in Qdrant (QDRANT_URL), through the official client; the passages of its points come from the in-process index.
import type { QdrantClient } from '@qdrant/js-client-rest';
import type { VectorStore } from './vector-store.ts';

export interface QdrantOptions {
  url: string;
  apiKey: string | undefined;
  collection: string;
  /** Bounds every request, so a Qdrant that stops answering cannot hold a turn. */
  timeoutMs?: number;
}

// Points are written in requests of this many, so a large document never makes one huge body.
const UPSERT_BATCH = 256;

/** Thrown when the collection holds vectors of another length than the embedding model gives. */
export class VectorDimensionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VectorDimensionError';
  }
}

export function createQdrantVectors(options: QdrantOptions): VectorStore {
  const name = options.collection;
  let knownDims: number | undefined;
  // Loaded on first use, so a server without Qdrant never loads the client.
  let loaded: Promise<QdrantClient> | undefined;
  const connect = () =>
    (loaded ??= import('@qdrant/js-client-rest').then(
      ({ QdrantClient: Client }) => new Client({ url: options.url, apiKey: options.apiKey, timeout: options.timeoutMs ?? 10_000 }),
    ));

  // Created on first use with the model's length; a collection of another length is never written to.
  async function ensureCollection(client: QdrantClient, dims: number): Promise<void> {
    if (knownDims === undefined) {
      const { exists } = await client.collectionExists(name);
      if (exists) {
        const info = await client.getCollection(name);
        const vectors = info.config.params.vectors;
        knownDims = vectors && 'size' in vectors && typeof vectors.size === 'number' ? vectors.size : undefined;
      } else {
        await client.createCollection(name, { vectors: { size: dims, distance: 'Cosine' } });
        await client.createPayloadIndex(name, { field_name: 'document_id', field_schema: 'keyword', wait: true });
        knownDims = dims;
      }
    }
    if (knownDims !== dims) {
      throw new VectorDimensionError(
        `the Qdrant collection ${name} holds vectors of ${knownDims} dimensions but the embedding model gives ${dims}: set QDRANT_COLLECTION to a new name, then run "phone-assistant knowledge reindex --all" to fill it`,
      );
    }
  }

  return {
    description: `Qdrant collection ${name} at ${new URL(options.url).host}`,
    vectorsInRows: false,
    async put(documentId, model, points) {
      if (points.length === 0) return;
      const client = await connect();
      await ensureCollection(client, points[0]!.vector.length);
      for (let start = 0; start < points.length; start += UPSERT_BATCH) {
        await client.upsert(name, {
          wait: true,
          points: points.slice(start, start + UPSERT_BATCH).map((point) => ({
            id: point.chunkId,
            vector: point.vector,
            payload: { document_id: documentId, model },
          })),
        });
      }
    },
    async removeDocuments(documentIds) {
      if (documentIds.length === 0) return;
      const client = await connect();
      if (knownDims === undefined && !(await client.collectionExists(name)).exists) return;
      await client.delete(name, { wait: true, filter: { must: [{ key: 'document_id', match: { any: [...documentIds] } }] } });
    },
    async search(index, vector, model, limit, minScore) {
      const client = await connect();
      await ensureCollection(client, vector.length);
      const { points } = await client.query(name, {
        query: [...vector],
        limit,
        score_threshold: minScore,
        filter: { must: [{ key: 'model', match: { value: model } }] },
      });
      // Passages come from the in-process index: points whose rows are gone (a clean-up that failed),
      // or not yet in the index (added a moment ago by another process), are left out.
      return points.flatMap((point) => {
        const row = index.rowOf(String(point.id));
        return row === undefined ? [] : [{ row, score: point.score }];
      });
    },
  };
}
