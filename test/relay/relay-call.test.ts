// Streamed calls over ConversationRelay: the TwiML that connects them, the signed socket, tokens as they come, barge-in, failures.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { apology, phrase } from '../../src/assistant/phrases.ts';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { isInterrupted } from '../../src/db/heard-replies-repo.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { scrape, type Scrape } from '../helpers/prometheus.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { connectRelay, openRelay, relayUrl, type RelayClient } from '../helpers/relay-client.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const GREETING = "Hello, you've reached Bright Smile Dental. How can I help you today?";

async function transcript(db: Db, callSid: string): Promise<{ role: string; text: string; interrupted: boolean }[]> {
  const conversation = await findCallConversation(db, callSid);
  assert.ok(conversation, 'the call has a conversation');
  return (await loadRecentMessages(db, conversation.id, 100)).map((row) => ({ role: row.message.role, text: row.text, interrupted: isInterrupted(row.message) }));
}

/** Polls until `check` holds: for what the server does after the frames a test can see (storing, aborting). */
async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The messages the model was given on request `index`, as role and text. */
function promptOf(standIn: LlmStandIn, index: number): [string, string][] {
  const messages = standIn.requests[index]?.body['messages'] as { role: string; content: unknown }[];
  return messages
    .filter((message) => message.role !== 'system')
    .map((message) => [message.role, typeof message.content === 'string' ? message.content : JSON.stringify(message.content)]);
}

describe('a streamed call (ConversationRelay)', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  const sockets: RelayClient[] = [];
  const logLines: string[] = [];

  /** Starts a call the way Twilio does in relay mode: the incoming webhook, then the socket and its setup frame. */
  async function startCall(): Promise<{ call: PhoneCall; relay: RelayClient }> {
    const call = new PhoneCall(server.url);
    const heard = await call.start();
    assert.match(heard.raw, /<ConversationRelay /);
    const relay = await openRelay(server.url);
    sockets.push(relay);
    relay.setup(call.sid);
    return { call, relay };
  }

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, VOICE_MODE: 'relay', LOG_LEVEL: 'info' }), { logLines });
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it('answers the incoming webhook with <Connect><ConversationRelay> for all four languages, and ?mode=gather turns it off', async () => {
    const call = new PhoneCall(server.url);
    const heard = await call.start();
    assert.match(heard.raw, /<Connect action="\/twilio\/relay-ended" method="POST"><ConversationRelay /);
    assert.match(heard.raw, new RegExp(`url="${relayUrl(server.url)}"`));
    assert.match(heard.raw, /welcomeGreeting="Hello, you&apos;ve reached Bright Smile Dental\. How can I help you today\?"|welcomeGreeting="Hello, you've reached/);
    assert.match(heard.raw, /language="en-US"/);
    assert.match(heard.raw, /interruptible="speech"/);
    assert.match(heard.raw, /dtmfDetection="true"/);
    // Twilio's camelCase spelling: twilio-node's lower-case `ignorebackchannel` would be dropped, the filter left off.
    assert.match(heard.raw, / ignoreBackchannel="true"/);
    assert.doesNotMatch(heard.raw, /ignorebackchannel=/);
    for (const code of ['en-US', 'ru-RU', 'uk-UA', 'sk-SK']) assert.match(heard.raw, new RegExp(`<Language code="${code}"`));
    // The call's language is the only parameter: no number or name of the caller travels through Twilio.
    assert.deepEqual([...heard.raw.matchAll(/<Parameter name="([^"]*)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]), [['language', 'en']]);
    assert.doesNotMatch(heard.raw, /4155551234/);

    const gather = await new PhoneCall(server.url).start('/twilio/incoming?mode=gather');
    assert.equal(gather.gatherAction, '/twilio/voice?turn=1');
    assert.doesNotMatch(gather.raw, /ConversationRelay/);
  });

  it('refuses unsigned, forged and wrongly addressed upgrades with 403 and no session', async () => {
    assert.deepEqual(await connectRelay(server.url, { unsigned: true }), { refused: 403 });
    assert.deepEqual(await connectRelay(server.url, { authToken: 'ffffffffffffffffffffffffffffffff' }), { refused: 403 });
    // Signed, but for the https URL of the webhooks rather than the socket's own.
    assert.deepEqual(await connectRelay(server.url, { signedUrl: `${server.url}/twilio/relay` }), { refused: 403 });
  });

  it('streams a reply token by token, and stores the call like a turn-based one', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ text: 'We open at eight on weekdays.' });
    relay.prompt('When do you open?');
    assert.equal(await relay.reply(), 'We open at eight on weekdays.');
    const tokens = relay.frames.filter((frame) => frame.type === 'text' && frame.token !== '');
    assert.ok(tokens.length > 1, 'the reply came in several tokens');
    assert.equal(standIn.requests[0]?.stream, true);
    await eventually(async () => (await transcript(server.db, call.sid)).length === 3);
    assert.deepEqual(await transcript(server.db, call.sid), [
      { role: 'assistant', text: GREETING, interrupted: false },
      { role: 'user', text: 'When do you open?', interrupted: false },
      { role: 'assistant', text: 'We open at eight on weekdays.', interrupted: false },
    ]);
  });

  it('sends the first tokens while the model is still writing, and an interruption aborts it and keeps only what was heard', async () => {
    const earlier = await scrape(server.url);
    const { call, relay } = await startCall();
    // The first piece comes at once, the rest only after a minute: the model is provably not done.
    standIn.enqueue({ text: 'We open at eight. On Saturdays we open at nine.', pieceDelayMs: 60_000 });
    relay.prompt('When do you open?');
    const first = await relay.waitFor((frame) => frame.type === 'text');
    assert.equal(first.token, 'We ');
    assert.equal(first.last, false);
    assert.equal(standIn.requests[0]?.closedEarly, false);

    relay.send({ type: 'interrupt', utteranceUntilInterrupt: 'We', durationUntilInterruptMs: '310' });
    await eventually(() => standIn.requests[0]?.closedEarly === true);
    await eventually(async () => (await transcript(server.db, call.sid)).length === 3);
    assert.deepEqual((await transcript(server.db, call.sid)).slice(1), [
      { role: 'user', text: 'When do you open?', interrupted: false },
      { role: 'assistant', text: 'We', interrupted: true },
    ]);
    // Cut by the caller, not failed by the model: counted as withdrawn, no LLM failure, no warning.
    const later = await scrape(server.url);
    const count = (scraped: Scrape, name: string, labels: Record<string, string>) => scraped.value(name, labels) ?? 0;
    assert.equal(count(later, 'phone_assistant_turns_total', { channel: 'voice', outcome: 'withdrawn' }) - count(earlier, 'phone_assistant_turns_total', { channel: 'voice', outcome: 'withdrawn' }), 1);
    assert.equal(count(later, 'phone_assistant_llm_failures_total', { provider: 'openai', cause: 'other' }), count(earlier, 'phone_assistant_llm_failures_total', { provider: 'openai', cause: 'other' }));
    assert.ok(!logLines.join('').includes('LLM turn failed'));

    // The next turn's history is the call as it was heard.
    const from = relay.frames.length;
    standIn.enqueue({ text: 'Nine on Saturdays.' });
    relay.prompt('And on Saturday?');
    assert.equal(await relay.reply(from), 'Nine on Saturdays.');
    assert.deepEqual(promptOf(standIn, 1).slice(-3), [
      ['user', 'When do you open?'],
      ['assistant', 'We'],
      ['user', 'And on Saturday?'],
    ]);
  });

  it('lets a reply go on through a backchannel, and is cut by words that say something', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ text: 'We open at eight. On Saturdays we open at nine.', pieceDelayMs: 60_000 });
    relay.prompt('When do you open?');
    await relay.waitFor((frame) => frame.type === 'text');
    relay.prompt('Mm-hm.');
    standIn.enqueue({ text: 'Yes, on Sundays we are closed.' });
    relay.prompt('Are you open on Sundays?');
    const from = relay.frames.length;
    await eventually(() => standIn.requests.length === 2);
    // The first reply was cut by the question, not by the backchannel: one more request, for the question.
    assert.equal(standIn.requests[0]?.closedEarly, true);
    assert.deepEqual(promptOf(standIn, 1).slice(-3), [
      ['user', 'When do you open?'],
      ['assistant', 'We'],
      ['user', 'Are you open on Sundays?'],
    ]);
    assert.equal(await relay.reply(from), 'Yes, on Sundays we are closed.');
    assert.ok(!(await transcript(server.db, call.sid)).some((row) => row.text === 'Mm-hm.'));
  });

  it('cuts a reply that was streamed whole but interrupted while it was spoken', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ text: 'A check-up costs forty euros and takes half an hour.' });
    relay.prompt('How much is a check-up?');
    await relay.reply();
    await eventually(async () => (await transcript(server.db, call.sid)).length === 3);
    relay.send({ type: 'interrupt', utteranceUntilInterrupt: 'A check-up costs forty euros', durationUntilInterruptMs: 1800 });
    await eventually(async () => (await transcript(server.db, call.sid))[2]?.interrupted === true);
    assert.deepEqual((await transcript(server.db, call.sid))[2], { role: 'assistant', text: 'A check-up costs forty euros', interrupted: true });
  });

  it('takes a keypad entry as one turn, ended by # or a pause', async () => {
    const { relay } = await startCall();
    standIn.enqueue({ text: 'You entered forty-two.' }, { text: 'You pressed five.' });
    for (const digit of ['4', '2', '#']) relay.send({ type: 'dtmf', digit });
    assert.equal(await relay.reply(), 'You entered forty-two.');
    assert.deepEqual(promptOf(standIn, 0).at(-1), ['user', '[keypad] 42']);
    const from = relay.frames.length;
    relay.send({ type: 'dtmf', digit: '5' });
    assert.equal(await relay.reply(from), 'You pressed five.');
    assert.deepEqual(promptOf(standIn, 1).at(-1), ['user', '[keypad] 5']);
  });

  it('says a short phrase while a slow tool runs, before the model has any words', async () => {
    const { relay } = await startCall();
    standIn.enqueue({ toolCalls: [{ name: 'list_my_appointments', input: {} }] }, { text: 'You have no appointments.' });
    relay.prompt('Do I have an appointment?');
    assert.equal(await relay.reply(), `${phrase('en', 'holding')} You have no appointments.`);
  });

  it('drops malformed frames and goes on with the call', async () => {
    const { relay } = await startCall();
    relay.sendRaw('not json at all');
    relay.send({ type: 'prompt' });
    relay.send({ type: 'prompt', voicePrompt: 42 });
    relay.send({ type: 'dtmf', digit: 'xyz' });
    relay.send({ type: 'no-such-type' });
    relay.sendRaw(Buffer.from([0, 1, 2]));
    relay.send({ type: 'info', name: 'roundTripDelayMs', value: '120' });
    relay.send({ type: 'error', description: 'Invalid message received' });
    standIn.enqueue({ text: 'Still here.' });
    relay.prompt('Hello?');
    assert.equal(await relay.reply(), 'Still here.');
    assert.equal(standIn.requests.length, 1);
  });

  it('takes a setup whose optional fields come in an odd shape: only the CallSid matters', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    const relay = await openRelay(server.url);
    sockets.push(relay);
    relay.setup(call.sid, { sessionId: { odd: true }, from: 12345, customParameters: 'language=en' });
    standIn.enqueue({ text: 'Hello again.' });
    relay.prompt('Hello?');
    assert.equal(await relay.reply(), 'Hello again.');
  });

  it('speaks the same apology as a turn-based call when the model fails, and keeps the failed turn out of the history', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ status: 429 });
    relay.prompt('When do you open?');
    assert.equal(await relay.reply(), apology('en', 'rate_limited'));
    assert.deepEqual(await transcript(server.db, call.sid), [{ role: 'assistant', text: GREETING, interrupted: false }]);
  });

  it('follows the caller into another language: the relay is told, and the conversation speaks it from then on', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ status: 500 });
    relay.prompt('Kedy máte otvorené?', 'sk-SK');
    const switched = await relay.waitFor((frame) => frame.type === 'language');
    assert.deepEqual(switched, { type: 'language', ttsLanguage: 'sk-SK', transcriptionLanguage: 'sk-SK' });
    assert.equal(await relay.reply(), apology('sk', 'other'));
    assert.equal((await findCallConversation(server.db, call.sid))?.language, 'sk');
  });

  it('switches language when the model asks for it through its tool: the relay is told before the reply in it', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ toolCalls: [{ name: 'switch_language', input: { language: 'sk' } }] }, { text: 'Samozrejme, hovorme po slovensky.' });
    relay.prompt('Can we speak Slovak, please?');
    assert.equal(await relay.reply(), 'Samozrejme, hovorme po slovensky.');
    const switched = relay.frames.findIndex((frame) => frame.type === 'language');
    assert.deepEqual(relay.frames[switched], { type: 'language', ttsLanguage: 'sk-SK', transcriptionLanguage: 'sk-SK' });
    assert.ok(switched < relay.frames.findIndex((frame) => frame.type === 'text'), 'told before the first word in Slovak');
    assert.equal((await findCallConversation(server.db, call.sid))?.language, 'sk');
    // The next turn's instructions are in Slovak.
    const from = relay.frames.length;
    standIn.enqueue({ text: 'Otvárame o ôsmej.' });
    relay.prompt('Kedy otvárate?', 'sk-SK');
    assert.equal(await relay.reply(from), 'Otvárame o ôsmej.');
    assert.equal(relay.frames.slice(from).filter((frame) => frame.type === 'language').length, 0);
    const system = (standIn.requests.at(-1)?.body['messages'] as { role: string; content: unknown }[])[0];
    assert.match(String(system?.content), /slovensky|slovenčin/i);
  });

  it('says the reply after a switch through the tool in the new language in a turn-based call too', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start('/twilio/incoming?mode=gather');
    standIn.enqueue({ toolCalls: [{ name: 'switch_language', input: { language: 'sk' } }] }, { text: 'Samozrejme, hovorme po slovensky.' });
    const heard = await call.say(greeting.gatherAction!, 'Can we speak Slovak, please?');
    assert.deepEqual(heard.says, ['Samozrejme, hovorme po slovensky.']);
    assert.match(heard.voice ?? '', /sk-SK/);
    assert.equal(heard.gatherLanguage, 'sk-SK');
    assert.equal((await findCallConversation(server.db, call.sid))?.language, 'sk');
  });

  it('ends the session with end_call and the action URL says the goodbye and hangs up', async () => {
    const { call, relay } = await startCall();
    standIn.enqueue({ toolCalls: [{ name: 'end_call', input: {} }] }, { text: 'Goodbye, have a nice day!' });
    relay.prompt("That's all, bye!");
    const end = await relay.waitFor((frame) => frame.type === 'end');
    assert.deepEqual(JSON.parse(end.handoffData ?? ''), { reason: 'end_call', say: true });
    // Held back from the stream, so that ending the session cannot cut it off.
    assert.ok(!relay.frames.some((frame) => frame.type === 'text' && String(frame.token).includes('Goodbye')));
    const ended = await call.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: end.handoffData ?? '' });
    assert.equal(ended.status, 200);
    assert.match(ended.text, /<Say[^>]*>Goodbye, have a nice day!<\/Say><Hangup\/>/);
  });

  it('logs sessions, drops and interruptions without the number or the words of the caller', () => {
    const log = logLines.join('');
    assert.match(log, /relay session started/);
    assert.match(log, /relay message dropped/);
    assert.match(log, /reply interrupted/);
    assert.match(log, /\+1\*{5}1234/);
    assert.doesNotMatch(log, /4155551234/);
    for (const words of ['When do you open?', 'And on Saturday?', 'Kedy máte otvorené?', 'Invalid message received']) assert.ok(!log.includes(words), words);
  });
});
