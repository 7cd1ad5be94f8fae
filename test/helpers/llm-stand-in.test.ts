// Checks the LLM stand-in speaks both wire formats well enough for the real AI SDK, errors included.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai';
import type { LanguageModel } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { z } from 'zod';
import { startLlmStandIn } from './llm-stand-in.ts';
import type { LlmStandIn, RecordedRequest } from './llm-stand-in.ts';

interface Provider {
  name: 'openai' | 'anthropic';
  model(standIn: LlmStandIn): LanguageModel;
  // Finds the tool result the SDK sent back for a call id, in this provider's message shape.
  toolResultFor(request: RecordedRequest, callId: string): unknown;
}

function messagesOf(request: RecordedRequest): Record<string, unknown>[] {
  const messages = request.body['messages'];
  assert.ok(Array.isArray(messages), 'request has a messages array');
  return messages as Record<string, unknown>[];
}

const providers: Provider[] = [
  {
    name: 'openai',
    // .chat() pins the Chat Completions API; the default provider call would use the Responses API.
    model: (s) => createOpenAI({ baseURL: s.openaiBaseUrl, apiKey: 'test-key' }).chat('gpt-4o-mini'),
    toolResultFor: (request, callId) =>
      messagesOf(request).find((m) => m['role'] === 'tool' && m['tool_call_id'] === callId)?.['content'],
  },
  {
    name: 'anthropic',
    // A known model id, so the SDK does not warn about guessing max output tokens.
    model: (s) => createAnthropic({ baseURL: s.anthropicBaseUrl, apiKey: 'test-key' })('claude-haiku-4-5'),
    toolResultFor: (request, callId) => {
      for (const message of messagesOf(request)) {
        const content = message['content'];
        if (!Array.isArray(content)) continue;
        const block = (content as Record<string, unknown>[]).find(
          (b) => b['type'] === 'tool_result' && b['tool_use_id'] === callId,
        );
        if (block !== undefined) return block['content'];
      }
      return undefined;
    },
  },
];

function isApiCallError(statusCode: number | undefined) {
  return (error: unknown): boolean => {
    assert.ok(APICallError.isInstance(error), `expected APICallError, got ${String(error)}`);
    assert.equal(error.statusCode, statusCode);
    return true;
  };
}

// The tool-call id the stand-in gave the first scripted call, read back from the SDK's own request.
function firstToolCallId(provider: Provider, request: RecordedRequest): string {
  for (const message of messagesOf(request)) {
    const calls = provider.name === 'openai' ? message['tool_calls'] : message['content'];
    if (!Array.isArray(calls)) continue;
    for (const call of calls as Record<string, unknown>[]) {
      if (provider.name === 'openai' && typeof call['id'] === 'string') return call['id'];
      if (call['type'] === 'tool_use' && typeof call['id'] === 'string') return call['id'];
    }
  }
  assert.fail('no tool call in the follow-up request');
}

let standIn: LlmStandIn;
before(async () => {
  standIn = await startLlmStandIn();
});
after(async () => {
  await standIn.close();
});
beforeEach(() => {
  standIn.reset();
});

for (const provider of providers) {
  describe(`${provider.name} wire format`, () => {
    test('streamed text arrives as several deltas', async () => {
      standIn.enqueue({ text: 'Hello, you have reached the front desk.' });
      const result = streamText({ model: provider.model(standIn), system: 'Be brief.', prompt: 'hi', maxRetries: 0 });
      const deltas: string[] = [];
      for await (const delta of result.textStream) deltas.push(delta);
      assert.ok(deltas.length > 1, `expected several deltas, got ${deltas.length}`);
      assert.equal(deltas.join(''), 'Hello, you have reached the front desk.');
      assert.equal(await result.finishReason, 'stop');

      const [request] = standIn.requests;
      assert.ok(request);
      assert.equal(request.format, provider.name);
      assert.equal(request.stream, true);
      assert.match(JSON.stringify(request.body), /Be brief\./);
    });

    test('non-streamed text', async () => {
      standIn.enqueue({ text: 'Plain answer.' });
      const result = await generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0 });
      assert.equal(result.text, 'Plain answer.');
      assert.equal(result.finishReason, 'stop');
      assert.ok((result.usage.outputTokens ?? 0) > 0);
      assert.equal(standIn.requests[0]?.stream, false);
    });

    for (const streamed of [true, false]) {
      test(`tool call round trip (${streamed ? 'streamed' : 'non-streamed'})`, async () => {
        const seen: { date: string; partySize: number }[] = [];
        const tools = {
          findSlots: tool({
            description: 'Find free appointment slots',
            inputSchema: z.object({ date: z.string(), partySize: z.number() }),
            execute: async (input) => {
              seen.push(input);
              return { slots: ['09:00', '10:30'] };
            },
          }),
        };
        standIn.enqueue(
          { toolCalls: [{ name: 'findSlots', input: { date: '2025-03-01', partySize: 2 } }], text: 'Let me check.' },
          { text: 'We have 09:00 or 10:30.' },
        );
        const settings = { model: provider.model(standIn), prompt: 'book me in', tools, stopWhen: stepCountIs(3), maxRetries: 0 };
        const text = streamed ? await streamText(settings).text : (await generateText(settings)).text;

        assert.deepEqual(seen, [{ date: '2025-03-01', partySize: 2 }]);
        assert.match(text, /We have 09:00 or 10:30\./);
        assert.equal(standIn.requests.length, 2);
        assert.match(JSON.stringify(standIn.requests[0]?.body['tools']), /findSlots/);
        const followUp = standIn.requests[1];
        assert.ok(followUp);
        const callId = firstToolCallId(provider, followUp);
        assert.match(callId, provider.name === 'openai' ? /^call_\d+$/ : /^toolu_\d+$/);
        assert.match(JSON.stringify(provider.toolResultFor(followUp, callId)), /10:30/);
      });
    }

    test('tool-call ids are unique', async () => {
      standIn.enqueue(
        { toolCalls: [{ name: 'ping', input: {} }, { name: 'ping', input: {} }] },
        { text: 'done' },
      );
      const tools = { ping: tool({ inputSchema: z.object({}), execute: async () => 'pong' }) };
      const result = await generateText({ model: provider.model(standIn), prompt: 'x', tools, stopWhen: stepCountIs(3), maxRetries: 0 });
      const ids = result.steps[0]?.toolCalls.map((c) => c.toolCallId) ?? [];
      assert.equal(ids.length, 2);
      assert.notEqual(ids[0], ids[1]);
    });

    test('429 surfaces as an APICallError with retry-after 0', async () => {
      standIn.enqueue({ status: 429 });
      await assert.rejects(generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0 }), (error: unknown) => {
        isApiCallError(429)(error);
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.isRetryable, true);
        assert.equal(error.responseHeaders?.['retry-after'], '0');
        return true;
      });
    });

    test('500 surfaces as an APICallError, also through streamText', async () => {
      standIn.enqueue({ status: 500 });
      await assert.rejects(generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0 }), isApiCallError(500));

      // streamText does not throw from textStream: the error goes to onError and the stream just ends.
      standIn.enqueue({ status: 500, body: { error: { message: 'custom', type: 'x' }, type: 'error' } });
      const errors: unknown[] = [];
      const result = streamText({
        model: provider.model(standIn),
        prompt: 'hi',
        maxRetries: 0,
        onError: ({ error }) => {
          errors.push(error);
        },
      });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      assert.equal(text, '');
      assert.equal(errors.length, 1);
      isApiCallError(500)(errors[0]);
    });

    test('a dropped connection surfaces as a retryable APICallError with no status', async () => {
      standIn.enqueue({ drop: true, afterMs: 20 });
      await assert.rejects(generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0 }), (error: unknown) => {
        isApiCallError(undefined)(error);
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.isRetryable, true);
        assert.equal((error.cause as { code?: unknown } | undefined)?.code, 'UND_ERR_SOCKET');
        return true;
      });
      assert.equal(standIn.requests.length, 1, 'the dropped request is still recorded');
    });

    test('retries consume further scripted replies', async () => {
      standIn.enqueue({ status: 429 }, { text: 'second try' });
      const result = await generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 1 });
      assert.equal(result.text, 'second try');
      assert.equal(standIn.requests.length, 2);
    });

    test('a hang lets the caller time out', async () => {
      standIn.enqueue({ hangMs: 5_000 });
      await assert.rejects(
        generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0, abortSignal: AbortSignal.timeout(50) }),
        { name: 'TimeoutError' },
      );
    });

    test('a short hang answers late', async () => {
      standIn.enqueue({ hangMs: 30 });
      const result = await generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0 });
      assert.equal(result.text, 'late');
    });

    test('an empty queue answers 500 with a clear message', async () => {
      await assert.rejects(generateText({ model: provider.model(standIn), prompt: 'hi', maxRetries: 0 }), (error: unknown) => {
        isApiCallError(500)(error);
        assert.match(String(error), /stand-in: no scripted reply/);
        return true;
      });
    });
  });
}

describe('models endpoint', () => {
  test('lists a model in a shape both providers accept', async () => {
    const response = await fetch(`${standIn.openaiBaseUrl}/models`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { object: string; has_more: boolean; data: { id: string; object: string; type: string }[] };
    assert.equal(body.object, 'list');
    assert.equal(body.has_more, false);
    assert.deepEqual(body.data.map((m) => [m.id, m.object, m.type]), [['stand-in-model', 'model', 'model']]);
    assert.equal(standIn.requests.length, 0, 'models calls are not recorded as chat requests');
  });

  test('can be overridden, and reset restores the default', async () => {
    standIn.setModelsResponse({ status: 503, delayMs: 20 });
    assert.equal((await fetch(`${standIn.url}/v1/models`)).status, 503);
    standIn.setModelsResponse({ drop: true });
    await assert.rejects(fetch(`${standIn.url}/v1/models`), TypeError);
    standIn.reset();
    assert.equal((await fetch(`${standIn.url}/v1/models`)).status, 200);
  });
});

test('close does not hang on an open request', async () => {
  const other = await startLlmStandIn();
  other.enqueue({ hangMs: 60_000 });
  const pending = fetch(`${other.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [] }),
  });
  while (other.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await other.close();
  await assert.rejects(pending, TypeError);
});
