// Embeddings through the AI SDK from an OpenAI-compatible /v1/embeddings endpoint, normalised to unit length.
import { createOpenAI } from '@ai-sdk/openai';
import { embed, embedMany, type EmbeddingModel } from 'ai';
import { keepAliveFetch } from '../llm/keep-alive-fetch.ts';
import { modelTelemetry } from '../telemetry/model-telemetry.ts';

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
      // No retries: a turn waiting on a caller cannot afford the SDK's back-off.
      const { embedding } = await observed(1, () => embed({ model, value: text, abortSignal: signal, maxRetries: 0, experimental_telemetry: modelTelemetry('knowledge-query') }));
      return normalise(embedding);
    },
  };
}

/** Unit length, so that cosine similarity is a dot product. */
export function normalise(vector: readonly number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const length = Math.sqrt(sum) || 1;
  return vector.map((value) => value / length);
}
