// The `fetch` the AI SDK providers are given: whole replies over undici's keep-alive pool, without WHATWG fetch's streams.
import { Agent, request, type Dispatcher } from 'undici';
import { timedStreamFetch } from './chunk-clock.ts';

// One pool for the process: a model provider's connections stay open between turns.
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });

/**
 * A `fetch` for the providers' JSON requests. A whole reply (a webhook turn, an embedding) is
 * read in one piece by `undici.request` and handed back as a `Response`: about half the client
 * CPU of the global `fetch`, whose body goes through web streams. A streamed request (the body
 * asks for `"stream":true`, which JSON can only spell that way as a key) goes through the
 * global `fetch` unchanged, delta by delta (its chunks' arrivals timed for a relay turn).
 */
export const keepAliveFetch: typeof fetch = async (input, init) => {
  const body = init?.body;
  if (typeof body !== 'string' || typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init);
  if (body.includes('"stream":true')) return timedStreamFetch(input, init);
  const signal = init?.signal ?? undefined;
  let answer: Dispatcher.ResponseData;
  let bytes: ArrayBuffer;
  try {
    answer = await request(input, { method: (init?.method ?? 'POST') as 'POST', headers: plainHeaders(init?.headers), body, signal, dispatcher: agent });
    bytes = await answer.body.arrayBuffer();
  } catch (error) {
    // Failures as fetch reports them, which the SDK and our error classes recognise: the abort's
    // reason, or a TypeError "fetch failed" caused by the network error.
    if (signal?.aborted) throw signal.reason ?? error;
    throw new TypeError('fetch failed', { cause: error });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  // A Response may not carry a body with these statuses.
  const empty = answer.statusCode === 204 || answer.statusCode === 304;
  return new Response(empty ? null : bytes, { status: answer.statusCode, headers });
};

function plainHeaders(headers: RequestInit['headers']): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers));
  return headers as Record<string, string>;
}
