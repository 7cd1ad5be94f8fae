// POST /v1/tts over real HTTP through the real AI SDK to the stand-in's /v1/audio/speech.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createSpeechSynthesizer, SpeechError } from '../../src/llm/speech.ts';
import { standInAudio, startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, TEST_API_KEY, testEnv, type TestServer } from '../helpers/test-app.ts';

async function tts(server: TestServer, body: unknown, key: string | null = TEST_API_KEY): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(`${server.url}/v1/tts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

const json = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('POST /v1/tts', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it('passes text and options to the speech endpoint and answers its audio with the content type of the format', async () => {
    const reply = await tts(server, { text: 'Hello there', voice: 'nova', model: 'tts-1', response_format: 'opus', speed: 1.5 });
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'audio/ogg');
    assert.deepEqual(reply.bytes, standInAudio({ model: 'tts-1', voice: 'nova', response_format: 'opus', speed: 1.5, input: 'Hello there' }));
    assert.equal(standIn.requests.length, 1);
    assert.equal(standIn.requests[0]!.path, '/v1/audio/speech');
    assert.equal(standIn.requests[0]!.headers.authorization, 'Bearer sk-test');
  });

  it('uses the defaults: alloy, gpt-4o-mini-tts, mp3, speed 1', async () => {
    const reply = await tts(server, { text: 'Hi' });
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'audio/mpeg');
    const sent = standIn.requests[0]!.body;
    assert.deepEqual({ model: sent.model, voice: sent.voice, response_format: sent.response_format, speed: sent.speed, input: sent.input }, {
      model: 'gpt-4o-mini-tts',
      voice: 'alloy',
      response_format: 'mp3',
      speed: 1,
      input: 'Hi',
    });
  });

  it('answers each format with its content type', async () => {
    const expected = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };
    for (const [format, type] of Object.entries(expected)) {
      const reply = await tts(server, { text: 'Format check', response_format: format });
      assert.equal(reply.status, 200, format);
      assert.equal(reply.type, type, format);
      assert.equal(standIn.requests.at(-1)!.body.response_format, format);
    }
  });

  it('cleans the text before sending it, and accepts 4096 characters', async () => {
    assert.equal((await tts(server, { text: ' \u0007Hello\u202E \n' })).status, 200);
    assert.equal(standIn.requests[0]!.body.input, 'Hello');
    assert.equal((await tts(server, { text: 'a'.repeat(4096) })).status, 200);
  });

  it('rejects each invalid field with 422 naming it, without calling the provider', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^text: /],
      [{ text: '' }, /^text: must not be empty$/],
      [{ text: ' \u0000\u0008 ' }, /^text: must not be empty$/],
      [{ text: 'a'.repeat(4097) }, /^text: must be at most 4096 characters$/],
      [{ text: 'hi', voice: 'two words' }, /^voice: must be a voice name/],
      [{ text: 'hi', voice: 'v'.repeat(65) }, /^voice: must be a voice name/],
      [{ text: 'hi', voice: 7 }, /^voice: must be a voice name/],
      [{ text: 'hi', model: 'bad model!' }, /^model: must be a speech model name/],
      [{ text: 'hi', response_format: 'ogg' }, /^response_format: must be one of mp3, opus, aac, flac, wav, pcm$/],
      [{ text: 'hi', speed: 0.2 }, /^speed: must be a number from 0.25 to 4.0$/],
      [{ text: 'hi', speed: 4.01 }, /^speed: must be a number from 0.25 to 4.0$/],
      [{ text: 'hi', speed: '1' }, /^speed: must be a number from 0.25 to 4.0$/],
    ];
    for (const [body, message] of cases) {
      const reply = await tts(server, body);
      assert.equal(reply.status, 422, JSON.stringify(body).slice(0, 80));
      assert.equal(json(reply.bytes).error, 'invalid_request');
      assert.match(String(json(reply.bytes).message), message, JSON.stringify(body).slice(0, 80));
    }
    assert.equal(standIn.requests.length, 0);
    for (const speed of [0.25, 4]) assert.equal((await tts(server, { text: 'edge', speed })).status, 200, `speed ${speed}`);
  });

  it('answers 502 naming the provider status when the provider fails', async () => {
    standIn.enqueue({ status: 500 });
    const failed = await tts(server, { text: 'Hello' });
    assert.equal(failed.status, 502);
    assert.equal(json(failed.bytes).error, 'tts_failed');
    assert.match(String(json(failed.bytes).message), /HTTP 500: stand-in: scripted HTTP 500/);
    assert.equal(standIn.requests.length, 1, 'no hidden retry');

    standIn.enqueue({ status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const refused = await tts(server, { text: 'Hello' });
    assert.equal(refused.status, 502);
    assert.match(String(json(refused.bytes).message), /HTTP 401: Incorrect API key provided/);
  });

  it('answers 503 when the provider drops the connection, and leaves scripted chat replies alone', async () => {
    standIn.enqueue({ drop: true }, { text: 'for the chat' });
    const dropped = await tts(server, { text: 'Hello' });
    assert.equal(dropped.status, 503);
    assert.equal(json(dropped.bytes).error, 'tts_unavailable');
    assert.match(String(json(dropped.bytes).message), /could not be reached/);
    // The chat reply is still queued: audio does not consume it.
    assert.equal((await tts(server, { text: 'Hello again' })).status, 200);
    const chat = await postJson(`${server.url}/v1/text`, { text: 'Hi', language: 'en' });
    assert.equal(chat.body.reply, 'for the chat');
  });

  it('answers 401 without the key', async () => {
    assert.equal((await tts(server, { text: 'Hello' }, null)).status, 401);
    assert.equal(standIn.requests.length, 0);
  });
});

describe('POST /v1/tts without a speech endpoint', () => {
  it('answers 503 naming OPENAI_API_KEY and OPENAI_BASE_URL', async () => {
    const server = await startTestServer(testEnv(null));
    try {
      const reply = await tts(server, { text: 'Hello' });
      assert.equal(reply.status, 503);
      assert.equal(json(reply.bytes).error, 'tts_not_configured');
      assert.match(String(json(reply.bytes).message), /OPENAI_API_KEY.*OPENAI_BASE_URL/);
    } finally {
      await server.close();
    }
  });
});

describe('createSpeechSynthesizer', () => {
  const request = { text: 'Hello', voice: 'alloy', model: 'tts-1', format: 'mp3', speed: 1 } as const;

  it('gives up after its timeout with an unavailable error', async () => {
    const standIn = await startLlmStandIn();
    try {
      standIn.enqueue({ hangMs: 2000 });
      const synthesize = createSpeechSynthesizer({ apiKey: 'sk-test', baseUrl: standIn.openaiBaseUrl }, 200);
      const started = Date.now();
      await assert.rejects(synthesize(request), (error: unknown) => {
        assert.ok(error instanceof SpeechError);
        assert.equal(error.kind, 'unavailable');
        assert.match(error.message, /did not answer within 0.2 s/);
        return true;
      });
      assert.ok(Date.now() - started < 1500);
    } finally {
      await standIn.close();
    }
  });

  it('reports an endpoint nobody listens on as unreachable', async () => {
    const synthesize = createSpeechSynthesizer({ apiKey: undefined, baseUrl: `http://127.0.0.1:${await closedPort()}/v1` });
    await assert.rejects(synthesize(request), (error: unknown) => {
      assert.ok(error instanceof SpeechError);
      assert.equal(error.kind, 'unavailable');
      assert.match(error.message, /could not be reached/);
      return true;
    });
  });
});
