// The knowledge base in conversation, through /v1/text and a signed Twilio voice turn: what reaches the model, and what does not.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sampleDocuments } from '../helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

/** The system prompt of the n-th chat request (OpenAI wire format: the first message). */
function systemPrompt(standIn: LlmStandIn, index: number): string {
  const messages = standIn.requests[index]!.body.messages as { role: string; content: string }[];
  assert.equal(messages[0]!.role, 'system');
  return messages[0]!.content;
}

// The heading of the passages block, in the English and the Slovak prompt.
const PASSAGES_HEADING = /Passages from the business's documents for this question|Úryvky z dokumentov firmy k tejto otázke/;

/** The passages block of a system prompt: everything after its heading. */
function passagesOf(prompt: string): string {
  const at = prompt.search(PASSAGES_HEADING);
  assert.ok(at >= 0, 'the prompt has its passages block');
  return prompt.slice(prompt.indexOf('\n', at) + 1).trim();
}

describe('knowledge in the conversation', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  const logLines: string[] = [];

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(
      testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, KNOWLEDGE_RETRIEVAL_DEADLINE_MS: '300', LOG_LEVEL: 'info' }),
      { logLines },
    );
    for (const document of sampleDocuments()) await server.knowledge.add(document);
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => {
    standIn.reset();
    logLines.length = 0;
  });

  it('/v1/text: the passage that answers a Slovak price question reaches the model, with its title', async () => {
    standIn.enqueue({ text: 'Bielenie zubov v ambulancii stojí 250 eur.' });
    const reply = await postJson(`${server.url}/v1/text`, { text: 'Koľko stojí bielenie zubov?', language: 'sk' });
    assert.equal(reply.status, 200);
    const passages = passagesOf(systemPrompt(standIn, 0));
    assert.match(passages, /^\[1\] Cenník Bright Smile Dental > Estetika a protetika\nSlužba: Bielenie zubov v ambulancii; Cena: 250 €/);
    assert.match(systemPrompt(standIn, 0), /nikdy si nevymýšľajte ceny/, 'the Slovak prompt forbids invented prices');
  });

  it('/v1/text: a question the documents do not cover gets no passage, and the prompt says to offer a message', async () => {
    standIn.enqueue({ text: "I'm sorry, I don't know. May I take a message?" });
    const reply = await postJson(`${server.url}/v1/text`, { text: 'Do you sell used cars?', language: 'en' });
    assert.equal(reply.status, 200);
    const prompt = systemPrompt(standIn, 0);
    assert.equal(passagesOf(prompt), '-');
    assert.match(prompt, /say plainly that you do not know and offer to take a message/);
  });

  it('/v1/text: a follow-up is searched together with the question before it', async () => {
    standIn.enqueue({ text: 'In-office whitening costs 250 euros.' }, { text: 'Home whitening costs 180 euros.' });
    const first = await postJson(`${server.url}/v1/text`, { text: 'How much is teeth whitening?', language: 'en' });
    await postJson(`${server.url}/v1/text`, { text: 'And the one at home?', call_id: first.body.call_id });
    assert.match(passagesOf(systemPrompt(standIn, 1)), /Domáce bielenie s individuálnymi nosičmi; Cena: 180 €/);
  });

  it('search_knowledge gives the model passages mid-turn', async () => {
    standIn.enqueue({ toolCalls: [{ name: 'search_knowledge', input: { query: 'parking garage' } }] }, { text: 'You can park free at Mlynská 3.' });
    const reply = await postJson(`${server.url}/v1/text`, { text: 'Hello, one more thing.', language: 'en' });
    assert.equal(reply.body.reply, 'You can park free at Mlynská 3.');
    const toolMessage = (standIn.requests[1]!.body.messages as { role: string; content: string }[]).find((m) => m.role === 'tool');
    assert.match(String(toolMessage?.content), /courtyard garage at Mlynská 3/);
  });

  it('a retrieval that hangs does not hold the turn: the model answers without passages, and the miss is logged', async () => {
    // The embedding request hangs far longer than the turn's own LLM timeout (2 s): a turn that waited for it would fail.
    standIn.enqueueEmbedding({ hangMs: 60_000 });
    standIn.enqueue({ text: 'Whitening costs 250 euros.' });
    const reply = await postJson(`${server.url}/v1/text`, { text: 'How much is whitening?', language: 'en' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.reply, 'Whitening costs 250 euros.');
    assert.equal(passagesOf(systemPrompt(standIn, 0)), '-');
    assert.ok(logLines.some((line) => line.includes('knowledge retrieval passed its deadline; answering without passages')));
  });

  it('counts retrievals, the passages they returned and the embedding requests in /metrics', async () => {
    standIn.enqueue({ text: 'It costs 40 euros.' });
    await postJson(`${server.url}/v1/text`, { text: 'How much is a check-up?', language: 'en' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^phone_assistant_knowledge_retrieval_duration_seconds_count\{outcome="ok"\} [1-9]\d*$/m);
    assert.match(metrics, /^phone_assistant_knowledge_passages_returned_count [1-9]\d*$/m);
    assert.match(metrics, /^phone_assistant_embedding_requests_total\{outcome="ok"\} [1-9]\d*$/m);
  });

  it('a Twilio voice turn: the passage answering the caller reaches the model', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    standIn.enqueue({ text: 'We have contracts with VšZP, Dôvera and Union.' });
    const heard = await call.say(greeting.gatherAction!, 'Do you take my health insurance?');
    assert.deepEqual(heard.says, ['We have contracts with VšZP, Dôvera and Union.']);
    assert.match(passagesOf(systemPrompt(standIn, 0)), /^\[1\] Frequently asked questions > Insurance\nDo you take my health insurance\? We have contracts with all three Slovak health insurers/);
  });

  it('a Twilio voice turn: a question the documents do not cover gets no passage', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    standIn.enqueue({ text: "I'm sorry, I don't know that. May I take a message?" });
    const heard = await call.say(greeting.gatherAction!, 'Do you sell used cars?');
    assert.deepEqual(heard.says, ["I'm sorry, I don't know that. May I take a message?"]);
    const prompt = systemPrompt(standIn, 0);
    assert.equal(passagesOf(prompt), '-');
    assert.match(prompt, /say plainly that you do not know and offer to take a message/);
  });

  it('a Twilio voice turn: a retrieval that hangs does not hold the turn', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    standIn.enqueueEmbedding({ hangMs: 60_000 });
    standIn.enqueue({ text: 'Whitening costs 250 euros.' });
    const heard = await call.say(greeting.gatherAction!, 'How much is whitening?');
    assert.deepEqual(heard.says, ['Whitening costs 250 euros.']);
    assert.equal(passagesOf(systemPrompt(standIn, 0)), '-');
    assert.ok(logLines.some((line) => line.includes('knowledge retrieval passed its deadline; answering without passages')));
  });
});
