// The engine through the real AI SDK against the loopback stand-in, for both wire formats.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ModelMessage } from 'ai';
import { createAssistant, type AssistantDeps, type AssistantEvent } from '../../src/assistant/engine.ts';
import { apology } from '../../src/assistant/phrases.ts';
import { loadPromptTemplates } from '../../src/assistant/system-prompt.ts';
import { loadConfig, type Language } from '../../src/config.ts';
import { appendMessages, createConversation, loadRecentMessages, plainText } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { createLanguageModel } from '../../src/llm/provider.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { loadProfile } from '../../src/profile.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { openTestDb, testEnv, type Provider } from '../helpers/test-app.ts';

const profile = await loadProfile(loadConfig({}).assistantProfilePath);
const prompts = loadPromptTemplates();

async function collect(events: AsyncIterable<AssistantEvent>): Promise<AssistantEvent[]> {
  const all: AssistantEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** An event without its timing, which varies from run to run. */
/** An outcome event without its timings (checked for sense) and the turn's messages (checked against the store). */
function untimed(event: AssistantEvent | undefined): unknown {
  if (!event || !('llmMs' in event)) return event;
  assert.ok(event.llmMs >= 0);
  assert.ok(event.waitedMs >= event.llmMs);
  const { llmMs: _llmMs, waitedMs: _waitedMs, ...rest } = event;
  if (rest.type !== 'done') return rest;
  const { messages: _messages, ...outcome } = rest;
  return outcome;
}

/** The messages the SDK sent on the n-th request, in the provider's wire format. */
function sentMessages(standIn: LlmStandIn, index: number): { role: string; content: unknown }[] {
  return standIn.requests[index]!.body.messages as { role: string; content: unknown }[];
}

for (const provider of ['openai', 'anthropic'] as const satisfies Provider[]) {
  for (const streaming of [true, false]) {
    describe(`assistant engine (${provider}, ${streaming ? 'streamed' : 'not streamed'})`, () => {
      let standIn: LlmStandIn;
      let db: Db;
      let logLines: string[];

      function assistant(overrides: Partial<AssistantDeps> = {}) {
        const config = loadConfig(testEnv(standIn, provider));
        logLines = [];
        return createAssistant({
          db,
          model: createLanguageModel(config.llm!),
          profile,
          prompts,
          log: createLogger({ logLevel: 'debug' }, { write: (line: string) => void logLines.push(line) }),
          maxConversationLength: 50,
          turnTimeoutMs: 2000,
          streaming,
          ...overrides,
        });
      }

      const newConversation = (language: Language = 'en') => createConversation(db, { channel: 'text', language, caller: '+14155551234' });

      before(async () => {
        standIn = await startLlmStandIn();
        db = await openTestDb();
      });
      after(async () => {
        await standIn.close();
        await db.close();
      });
      beforeEach(() => standIn.reset());

      it("counts the embedding request's wait as a provider's, not the server's, where the turn had nothing else to do", async () => {
        // A knowledge source that reports a long embedding wait, and one whose wait was over at once.
        const reportingWait = (waitMs: number): NonNullable<AssistantDeps['knowledge']> => ({
          deadlineMs: 5_000,
          source: {
            async search(_query, _language, _signal, onEmbeddingWait) {
              const fromMs = performance.now();
              onEmbeddingWait?.({ fromMs, toMs: fromMs + waitMs });
              return [];
            },
          },
        });
        const conversation = await newConversation();
        standIn.enqueue({ text: 'We open at eight.' });
        const long = (await collect(assistant({ knowledge: reportingWait(60_000) }).runTurn(conversation, 'When do you open?'))).at(-1)!;
        assert.equal(long.type, 'done');
        if (long.type === 'done') assert.ok(long.waitedMs - long.llmMs > 30_000, `the reported wait is counted (${long.waitedMs - long.llmMs} ms)`);
        standIn.enqueue({ text: 'We open at eight.' });
        const none = (await collect(assistant({ knowledge: reportingWait(0) }).runTurn(conversation, 'When do you open?'))).at(-1)!;
        assert.equal(none.type, 'done');
        if (none.type === 'done') assert.equal(none.waitedMs, none.llmMs);
      });

      it('answers, and stores the caller turn and the reply', async () => {
        const conversation = await newConversation();
        standIn.enqueue({ text: 'We open at eight in the morning.' });
        const events = await collect(assistant().runTurn(conversation, 'When do you open?'));

        const deltas = events.filter((event) => event.type === 'text-delta');
        if (streaming) assert.ok(deltas.length > 1, 'a streamed reply arrives in pieces');
        const done = events.at(-1);
        assert.deepEqual(untimed(done), { type: 'done', reply: 'We open at eight in the morning.', actions: [] });
        const stored = await loadRecentMessages(db, conversation.id, 10);
        assert.deepEqual(
          stored.map((row) => [row.message.role, row.text]),
          [
            ['user', 'When do you open?'],
            ['assistant', 'We open at eight in the morning.'],
          ],
        );
        assert.deepEqual(done?.type === 'done' && done.messages.map(plainText), ['When do you open?', 'We open at eight in the morning.'], 'the event carries the turn as stored');
        const request = standIn.requests[0]!;
        assert.equal(request.stream, streaming);
        const system = provider === 'anthropic' ? JSON.stringify(request.body.system) : JSON.stringify(sentMessages(standIn, 0)[0]);
        assert.match(system, /Bright Smile Dental/, 'the system prompt carries the profile');
      });

      it('runs take_message, stores the callback request, and keeps the tool call with its result', async () => {
        const conversation = await newConversation();
        standIn.enqueue(
          { toolCalls: [{ name: 'take_message', input: { name: 'Jana Nováková', message: 'Please call me about a filling.' } }] },
          { text: 'Thank you, Jana, someone will call you back.' },
        );
        const events = await collect(assistant().runTurn(conversation, 'Can a dentist call me back? I am Jana.'));

        assert.ok(events.some((event) => event.type === 'tool-call' && event.name === 'take_message'));
        assert.equal(events.at(-1)?.type, 'done');
        const { rows } = await db.query<{ name: string; message: string; caller: string }>(
          'SELECT name, message, caller FROM callback_requests WHERE conversation_id = $1',
          [conversation.id],
        );
        assert.deepEqual(rows, [{ name: 'Jana Nováková', message: 'Please call me about a filling.', caller: '+14155551234' }]);
        const roles = (await loadRecentMessages(db, conversation.id, 10)).map((row) => row.message.role);
        assert.deepEqual(roles, ['user', 'assistant', 'tool', 'assistant']);
        assert.match(JSON.stringify(sentMessages(standIn, 1)), /stored/, 'the second request carries the tool result');
      });

      it('stores a take_message whose input carries NUL and a lone surrogate, made well-formed', async () => {
        const conversation = await newConversation();
        standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: 'Ja\u0000na', message: 'Call me \ud800 back' } }] }, { text: 'Noted.' });
        const events = await collect(assistant().runTurn(conversation, 'Please take a message.'));

        assert.equal(events.at(-1)?.type, 'done');
        const { rows } = await db.query<{ name: string; message: string }>('SELECT name, message FROM callback_requests WHERE conversation_id = $1', [
          conversation.id,
        ]);
        assert.deepEqual(rows, [{ name: 'Jana', message: 'Call me \ufffd back' }]);
      });

      it('reports end_call as an action for the transport', async () => {
        const conversation = await newConversation();
        standIn.enqueue({ toolCalls: [{ name: 'end_call', input: {} }] }, { text: 'Goodbye!' });
        const events = await collect(assistant().runTurn(conversation, 'That is all, bye.'));
        assert.deepEqual(untimed(events.at(-1)), { type: 'done', reply: 'Goodbye!', actions: ['end_call'] });
      });

      const failures = [
        { name: '429', reply: { status: 429 }, cause: 'rate_limited' },
        { name: '500', reply: { status: 500 }, cause: 'other' },
        { name: 'a rejected key (401)', reply: { status: 401 }, cause: 'unauthorized' },
        { name: 'a dropped connection', reply: { drop: true as const }, cause: 'unreachable' },
        { name: 'a reply slower than the deadline', reply: { hangMs: 1500 }, cause: 'timeout' },
      ] as const;

      for (const failure of failures) {
        it(`apologises for ${failure.name} in the conversation's language and leaves the history clean`, async () => {
          const conversation = await newConversation('uk');
          const engine = assistant({ turnTimeoutMs: 400 });
          standIn.enqueue({ text: 'Добрий день!' });
          await collect(engine.runTurn(conversation, 'Привіт'));

          standIn.enqueue(failure.reply);
          const events = await collect(engine.runTurn(conversation, 'FAILED TURN'));
          assert.deepEqual(untimed(events.at(-1)), { type: 'failed', cause: failure.cause, apology: apology('uk', failure.cause) });
          const stored = await loadRecentMessages(db, conversation.id, 10);
          assert.deepEqual(stored.map((row) => row.text), ['Привіт', 'Добрий день!'], 'nothing of the failed turn is stored');
          assert.ok(logLines.some((line) => line.includes('LLM turn failed') && line.includes(failure.cause)));

          standIn.enqueue({ text: 'Так, слухаю.' });
          const next = await collect(engine.runTurn(conversation, 'Ви мене чуєте?'));
          assert.equal(next.at(-1)?.type, 'done');
          const sent = JSON.stringify(sentMessages(standIn, standIn.requests.length - 1));
          assert.doesNotMatch(sent, /FAILED TURN/, 'the failed turn is not sent again');
          assert.match(sent, /Привіт/);
        });
      }

      it('trims the history to MAX_CONVERSATION_LENGTH without separating a tool call from its result, and logs it', async () => {
        const conversation = await newConversation();
        const history: ModelMessage[] = [
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'take_message', input: { name: 'A', message: 'B' } }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'take_message', output: { type: 'json', value: { stored: true } } }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Noted.' }] },
          { role: 'user', content: 'second question' },
          { role: 'assistant', content: [{ type: 'text', text: 'second answer' }] },
        ];
        await db.transaction((tx) => appendMessages(tx, conversation.id, history));
        standIn.enqueue({ text: 'third answer' });
        // Room for 4 of the 6 earlier messages: the cut would fall between a tool call and its result.
        await collect(assistant({ maxConversationLength: 5 }).runTurn(conversation, 'third question'));

        const sent = sentMessages(standIn, 0).filter((message) => message.role !== 'system');
        assert.deepEqual(
          sent.map((message) => JSON.stringify(message.content)).map((text) => /first|second|third|Noted/.exec(text)?.[0]),
          ['second', 'second', 'third'],
        );
        assert.ok(logLines.some((line) => line.includes('conversation history trimmed')));
        assert.equal((await loadRecentMessages(db, conversation.id, 100)).length, 8, 'the stored transcript keeps everything');
      });
    });
  }
}

describe('assistant engine without an LLM', () => {
  it('fails every turn as unavailable, in the conversation language', async () => {
    const db = await openTestDb();
    const engine = createAssistant({
      db,
      model: null,
      profile,
      prompts,
      log: createLogger({ logLevel: 'silent' }),
      maxConversationLength: 50,
      turnTimeoutMs: 1000,
      streaming: true,
    });
    const conversation = await createConversation(db, { channel: 'text', language: 'sk' });
    const events = await collect(engine.runTurn(conversation, 'Dobrý deň'));
    assert.deepEqual(events.map(untimed), [{ type: 'failed', cause: 'unavailable', apology: apology('sk', 'unavailable') }]);
    await db.close();
  });
});
