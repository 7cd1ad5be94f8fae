// A turn's query embedding, one plain request to the stand-in's /v1/embeddings: what it sends, what it reads, how it fails.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createEmbedder, EmbeddingError, normalise } from '../../src/knowledge/embedder.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { standInEmbedding } from '../helpers/stand-in-embeddings.ts';

describe('the query embedding', () => {
  let standIn: LlmStandIn;
  before(async () => {
    standIn = await startLlmStandIn();
  });
  after(async () => {
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  const embedder = (apiKey: string | undefined) => createEmbedder({ model: 'text-embedding-3-small', baseUrl: `${standIn.openaiBaseUrl}/`, apiKey });

  it('sends the body of the OpenAI embeddings API with the bearer key, and returns the vector at unit length', async () => {
    const outcomes: string[] = [];
    const vector = await createEmbedder({ model: 'text-embedding-3-small', baseUrl: standIn.openaiBaseUrl, apiKey: 'sk-test' }, { embeddingCall: (outcome) => outcomes.push(outcome) }).embedQuery('How much is whitening?');
    assert.deepEqual(vector, normalise(standInEmbedding('How much is whitening?')));
    const [request] = standIn.embeddingRequests;
    assert.equal(request?.path, '/v1/embeddings');
    assert.deepEqual(request?.body, { model: 'text-embedding-3-small', input: ['How much is whitening?'], encoding_format: 'float' });
    assert.equal(request?.headers['authorization'], 'Bearer sk-test');
    assert.match(String(request?.headers['content-type']), /^application\/json/);
    assert.deepEqual(outcomes, ['ok']);
  });

  it('sends a placeholder key to endpoints that need none, and a base URL may end in a slash', async () => {
    await embedder(undefined).embedQuery('parking');
    assert.equal(standIn.embeddingRequests[0]?.headers['authorization'], 'Bearer not-needed');
  });

  it('fails once, without retrying, with the endpoint’s own message when it answers with an error', async () => {
    standIn.enqueueEmbedding({ status: 500 }, { status: 500 });
    const failure = await embedder('sk-test').embedQuery('parking').catch((error: unknown) => error);
    assert.ok(failure instanceof EmbeddingError);
    assert.match(failure.message, /^the embedding endpoint failed for text-embedding-3-small: status 500: \S/);
    assert.equal(standIn.embeddingRequests.length, 1);
  });

  it('fails as an EmbeddingError when the connection drops or the answer holds no vector', async () => {
    standIn.enqueueEmbedding({ drop: true });
    assert.ok((await embedder('sk-test').embedQuery('parking').catch((error: unknown) => error)) instanceof EmbeddingError);
    const elsewhere = createEmbedder({ model: 'm', baseUrl: `${standIn.url}/no-such-path`, apiKey: 'k' });
    const failure = await elsewhere.embedQuery('parking').catch((error: unknown) => error);
    assert.ok(failure instanceof EmbeddingError);
  });

  it('gives up at once when the turn aborts it', async () => {
    standIn.enqueueEmbedding({ hangMs: 60_000 });
    const controller = new AbortController();
    const pending = embedder('sk-test').embedQuery('parking', controller.signal);
    setTimeout(() => controller.abort(new Error('the turn went on')), 50);
    const failure = await pending.catch((error: unknown) => error);
    assert.ok(failure instanceof EmbeddingError);
    assert.match(failure.message, /the turn went on/);
  });
});
