// A query's embedding in one plain request to the OpenAI-compatible /embeddings endpoint: the request the AI SDK's `embed` sends, without its client CPU on a turn's path.
import { postJson } from '../llm/keep-alive-fetch.ts';
import { inSpan } from '../telemetry/spans.ts';

export interface QueryEmbeddingConfig {
  model: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
}

// What the AI SDK's OpenAI provider uses when no base URL is given.
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * The AI SDK's `embed` spent about 0.2 ms of a turn's own time before the request went out
 * (telemetry set-up, option schemas, headers) and as much again validating the answer with zod:
 * measured in the voice bench, where each turn embeds one query. This sends the same body
 * (`model`, `input: [text]`, `encoding_format: "float"`) with the same bearer key over the same
 * keep-alive pool and reads `data[0].embedding` from the answer. Passages (ingestion, in batches,
 * with retries) still go through the SDK.
 */
export function createQueryEmbedding(config: QueryEmbeddingConfig): (text: string, signal?: AbortSignal) => Promise<number[]> {
  const url = `${(config.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '')}/embeddings`;
  // Local servers often need no key; the SDK sent a placeholder too.
  const headers = { authorization: `Bearer ${config.apiKey ?? 'not-needed'}`, 'content-type': 'application/json' };
  const attributes = { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': config.model };
  return (text, signal) =>
    inSpan('knowledge.embed', { attributes }, async () => {
      const answer = await postJson(url, headers, JSON.stringify({ model: config.model, input: [text], encoding_format: 'float' }), signal);
      if (answer.status < 200 || answer.status > 299) throw new Error(`status ${answer.status}: ${errorMessage(answer.text)}`);
      return embeddingOf(answer.text);
    });
}

function embeddingOf(text: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the answer is not JSON');
  }
  const embedding = (parsed as { data?: { embedding?: unknown }[] } | null)?.data?.[0]?.embedding;
  if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    throw new Error('the answer holds no embedding');
  }
  return embedding as number[];
}

/** The provider's own words when it sent an OpenAI-style error body, else the start of the body. */
function errorMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } } | null)?.error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the body itself says what went wrong.
  }
  return text.slice(0, 200);
}
