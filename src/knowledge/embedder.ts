// Embeddings from an OpenAI-compatible /v1/embeddings endpoint, normalised to unit length: passages through the AI SDK, a turn's query in one plain request.
import { createOpenAI } from '@ai-sdk/openai';
import { embedMany, type EmbeddingModel } from 'ai';
import { keepAliveFetch } from '../llm/keep-alive-fetch.ts';
import { createQueryEmbedding } from './query-embedding.ts';

export interface EmbeddingConfig {
  model: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
}

export interface Embedder {
  readonly model: string;
  /** Vectors for passages being stored, in order; `onBatch` is told after each request (progress). */
  embedPassages(texts: readonly string[], options?: { signal?: AbortSignal; onBatch?: (done: number) => void }): Promise<number[][]>;
  embedQuery(text: string, signal?: AbortSignal): Promise<number[]>;
}

/** Observes embedding calls (metrics) without the embedder knowing who counts. */
export interface EmbeddingObserver {
  embeddingCall(outcome: 'ok' | 'error', inputs: number): void;
}

/** The embedding endpoint failed or could not be reached; the message says which and why. */
export class EmbeddingError extends Error {
  constructor(model: string, cause: unknown) {
    super(`the embedding endpoint failed for ${model}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'EmbeddingError';
  }
}

// Providers cap a request's inputs (OpenAI: 2,048); smaller batches also make progress visible.
const BATCH_SIZE = 64;

export function createEmbedder(config: EmbeddingConfig, observer?: EmbeddingObserver): Embedder {
  // Local servers often need no key, but the SDK insists on one.
  const model: EmbeddingModel = createOpenAI({ apiKey: config.apiKey ?? 'not-needed', baseURL: config.baseUrl, fetch: keepAliveFetch }).embedding(config.model);
  // A turn's query: one plain request, no retries (a turn waiting on a caller cannot afford the SDK's back-off).
  const queryEmbedding = createQueryEmbedding(config);

  async function observed<T>(inputs: number, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      observer?.embeddingCall('ok', inputs);
      return result;
    } catch (error) {
      observer?.embeddingCall('error', inputs);
      throw new EmbeddingError(config.model, error);
    }
  }

  return {
    model: config.model,
    async embedPassages(texts, options = {}) {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        const values = texts.slice(start, start + BATCH_SIZE);
        const { embeddings } = await observed(values.length, () => embedMany({ model, values, abortSignal: options.signal, maxRetries: 2 }));
        vectors.push(...embeddings.map(normalise));
        options.onBatch?.(vectors.length);
      }
      return vectors;
    },
    async embedQuery(text, signal) {
      return normalise(await observed(1, () => queryEmbedding(text, signal)));
    },
  };
}

/** Unit length, so that cosine similarity is a dot product. */
export function normalise(vector: readonly number[]): number[] {
  let sum = 0;
  for (let i = 0; i < vector.length; i += 1) sum += vector[i]! * vector[i]!;
  const length = Math.sqrt(sum) || 1;
  const unit = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i += 1) unit[i] = vector[i]! / length;
  return unit;
}
