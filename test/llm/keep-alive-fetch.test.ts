// keepAliveFetch answers as the global fetch does: status, headers, body, errors, aborts, and streams left to fetch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText } from 'ai';
import { keepAliveFetch } from '../../src/llm/keep-alive-fetch.ts';
import { freePort } from '../helpers/free-port.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';

describe('keepAliveFetch', () => {
  let standIn: LlmStandIn;
  before(async () => (standIn = await startLlmStandIn()));
  after(() => standIn.close());

  const post = (via: typeof fetch, body: unknown, signal?: AbortSignal) =>
    via(`${standIn.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify(body),
      signal,
    });

  it('gives the same status, content type and body as fetch, and sends the same headers', async () => {
    const request = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    for (const reply of [{ text: 'Hello there.' }, { status: 429, headers: { 'retry-after': '7' } }, { status: 500 }]) {
      standIn.enqueue(reply, reply);
      const [ours, theirs] = [await post(keepAliveFetch, request), await post(fetch, request)];
      assert.equal(ours.status, theirs.status);
      assert.equal(ours.headers.get('content-type'), theirs.headers.get('content-type'));
      assert.equal(ours.headers.get('retry-after'), theirs.headers.get('retry-after'));
      const [ourBody, theirBody] = [(await ours.json()) as Record<string, unknown>, (await theirs.json()) as Record<string, unknown>];
      // Ids and times differ from request to request; the rest is the same answer.
      for (const body of [ourBody, theirBody]) {
        delete body.id;
        delete body.created;
      }
      assert.deepEqual(ourBody, theirBody);
    }
    const [first, second] = standIn.requests.slice(-2);
    assert.equal(first!.headers.authorization, second!.headers.authorization);
    assert.deepEqual(first!.body, second!.body);
  });

  it('stops waiting when the signal aborts, as fetch does', async () => {
    standIn.enqueue({ hangMs: 5_000 });
    const startedMs = performance.now();
    await assert.rejects(post(keepAliveFetch, { model: 'm', messages: [] }, AbortSignal.timeout(100)), (error: Error) => ['AbortError', 'TimeoutError'].includes(error.name));
    assert.ok(performance.now() - startedMs < 4_000);
  });

  it('fails as fetch does when the connection is refused or dropped', async () => {
    // A port just freed: nothing listens there.
    const port = await freePort();
    const refused = (via: typeof fetch) => via(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: '{}' });
    const [ours, theirs] = await Promise.all([refused(keepAliveFetch).catch((error: unknown) => error), refused(fetch).catch((error: unknown) => error)]);
    for (const error of [ours, theirs]) {
      assert.ok(error instanceof TypeError && error.message === 'fetch failed', String(error));
      assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
    }
    standIn.enqueue({ drop: true });
    await assert.rejects(post(keepAliveFetch, { model: 'm', messages: [] }), (error: Error) => error instanceof TypeError && error.message === 'fetch failed');
  });

  it('serves the AI SDK: a whole reply, an HTTP error it can classify, and a stream delta by delta', async () => {
    const model = createOpenAI({ apiKey: 'sk-test', baseURL: standIn.openaiBaseUrl, fetch: keepAliveFetch }).chat('m');
    standIn.enqueue({ text: 'We open at eight.' });
    assert.equal((await generateText({ model, prompt: 'When?', maxRetries: 0 })).text, 'We open at eight.');

    standIn.enqueue({ status: 429 });
    await assert.rejects(generateText({ model, prompt: 'When?', maxRetries: 0 }), (error) => APICallError.isInstance(error) && error.statusCode === 429);

    standIn.enqueue({ text: 'We open at eight on Thursday.' });
    const deltas: string[] = [];
    for await (const delta of streamText({ model, prompt: 'When?', maxRetries: 0 }).textStream) deltas.push(delta);
    assert.ok(deltas.length > 1, 'streamed in pieces');
    assert.equal(deltas.join(''), 'We open at eight on Thursday.');
    assert.equal(standIn.requests.at(-1)!.stream, true);
  });
});
