// The relay at the edge: the public wss:// URL behind PUBLIC_URL or a proxy, a call moved to another instance, a hand-over.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { movingPhrase, reconnectedPhrase } from '../../src/relay/relay-phrases.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { parseTwiml, PhoneCall } from '../helpers/phone-call.ts';
import { scrape } from '../helpers/prometheus.ts';
import { connectRelay, openRelay, type RelayClient } from '../helpers/relay-client.ts';
import { openTestDb, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const twilioEnv = (extra: Record<string, string> = {}) => ({ TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, VOICE_MODE: 'relay', ...extra });

async function texts(db: Db, sid: string): Promise<[string, string][]> {
  const conversation = await findCallConversation(db, sid);
  assert.ok(conversation);
  return (await loadRecentMessages(db, conversation.id, 100)).map((row) => [row.message.role, row.text]);
}

/** A profile without opening hours, so someone can take a call at any time, and a number to put callers through to. */
function alwaysOpenProfile(greeting = 'Hello, Bright Smile Dental.'): string {
  const profile = path.join(mkdtempSync(path.join(tmpdir(), 'pa-profile-')), 'profile.yaml');
  writeFileSync(profile, `name: Bright Smile Dental\ntimezone: Europe/Bratislava\ntransfer_number: "+421905123456"\ngreetings: {en: "${greeting}", ru: "${greeting}", uk: "${greeting}", sk: "${greeting}"}\n`);
  return profile;
}

function incomingParams(sid: string): Record<string, string> {
  return { CallSid: sid, AccountSid: `AC${'1'.repeat(32)}`, From: '+14155551234', To: '+14155550199', CallStatus: 'ringing' };
}

describe('the relay socket behind a public URL or a proxy', () => {
  let standIn: LlmStandIn;
  const servers: TestServer[] = [];
  const sockets: RelayClient[] = [];

  before(async () => {
    standIn = await startLlmStandIn();
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    for (const server of servers) await server.close();
    await standIn.close();
  });

  it('names and verifies wss:// on PUBLIC_URL', async () => {
    const server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ PUBLIC_URL: 'https://assistant.example.com' })));
    servers.push(server);
    const sid = callSid();
    const incoming = await signedPost(server.url, '/twilio/incoming', incomingParams(sid), { signedUrl: 'https://assistant.example.com/twilio/incoming' });
    assert.equal(incoming.status, 200);
    assert.match(incoming.text, /<ConversationRelay url="wss:\/\/assistant\.example\.com\/twilio\/relay"/);

    const relay = await openRelay(server.url, { signedUrl: 'wss://assistant.example.com/twilio/relay' });
    sockets.push(relay);
    // The loopback address the test connects to is not the URL Twilio signs.
    assert.deepEqual(await connectRelay(server.url), { refused: 403 });
    assert.deepEqual(await connectRelay(server.url, { signedUrl: 'https://assistant.example.com/twilio/relay' }), { refused: 403 });
  });

  it('takes the forwarded scheme and host with TRUST_PROXY', async () => {
    const server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ TRUST_PROXY: 'true' })));
    servers.push(server);
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'relay.example.org' };
    const sid = callSid();
    const incoming = await signedPost(server.url, '/twilio/incoming', incomingParams(sid), { signedUrl: 'https://relay.example.org/twilio/incoming', headers });
    assert.match(incoming.text, /<ConversationRelay url="wss:\/\/relay\.example\.org\/twilio\/relay"/);
    const relay = await openRelay(server.url, { signedUrl: 'wss://relay.example.org/twilio/relay', headers });
    sockets.push(relay);
    assert.deepEqual(await connectRelay(server.url, { signedUrl: 'wss://relay.example.org/twilio/relay' }), { refused: 403 });
  });
});

describe('a relay call whose instance goes away', () => {
  let standIn: LlmStandIn;
  let db: Db;
  let first: TestServer;
  let second: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
    first = await startTestServer(testEnv(standIn, 'openai', twilioEnv()), { db });
    second = await startTestServer(testEnv(standIn, 'openai', twilioEnv()), { db });
  });
  after(async () => {
    await second.close();
    await standIn.close();
    await db.close();
  });

  it('continues on another instance through the <Connect action>, with the whole history', async () => {
    const call = new PhoneCall(first.url);
    await call.start();
    const relay = await openRelay(first.url);
    relay.setup(call.sid);
    standIn.enqueue({ text: 'We open at eight.' });
    relay.prompt('When do you open?');
    assert.equal(await relay.reply(), 'We open at eight.');
    // Stored by the time the reply is over; the turn's messages are what the next instance reads.
    while ((await texts(db, call.sid)).length < 3) await new Promise((resolve) => setTimeout(resolve, 10));

    // The first instance stops; Twilio sees the socket close and posts the session's end to the other one.
    await first.close();
    await relay.closed;
    const moved = new PhoneCall(second.url);
    Object.assign(moved, { sid: call.sid, account: call.account });
    const ended = await moved.post('/twilio/relay-ended', { SessionStatus: 'failed', ErrorCode: '64105' });
    assert.equal(ended.status, 200);
    const heard = parseTwiml(ended.text);
    assert.match(heard.raw, /<ConversationRelay url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/relay"/);
    assert.match(heard.raw, new RegExp(`welcomeGreeting="${reconnectedPhrase('en').replaceAll('.', '\\.')}"`));

    const again = await openRelay(second.url);
    again.setup(call.sid);
    standIn.enqueue({ text: 'Nine on Saturdays.' });
    again.prompt('And on Saturday?');
    assert.equal(await again.reply(), 'Nine on Saturdays.');
    again.close();
    const messages = (standIn.requests[1]?.body['messages'] as { role: string; content: unknown }[]).filter((m) => m.role !== 'system');
    assert.deepEqual(
      messages.map((m) => [m.role, typeof m.content === 'string' ? m.content : (m.content as { text?: string }[]).map((p) => p.text ?? '').join('')]),
      [
        ['user', 'When do you open?'],
        ['assistant', 'We open at eight.'],
        // Said by the first instance as it closed, before it handed the session on.
        ['assistant', movingPhrase('en')],
        ['assistant', reconnectedPhrase('en')],
        ['user', 'And on Saturday?'],
      ],
    );
    assert.equal((await texts(db, call.sid)).length, 7);
  });
});

describe('a relay call handed over to a person', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ ASSISTANT_PROFILE: alwaysOpenProfile() })));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('ends the session for the hand-over, and the action URL dials the person after saying the reply', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    const relay = await openRelay(server.url);
    relay.setup(call.sid);
    standIn.enqueue({ toolCalls: [{ name: 'transfer_to_human', input: { reason: 'asked for a person' } }] }, { text: 'Putting you through now.' });
    relay.prompt('Can I talk to a person?');
    const end = await relay.waitFor((frame) => frame.type === 'end');
    assert.deepEqual(JSON.parse(end.handoffData ?? ''), { reason: 'transfer', say: true });
    relay.close();
    const ended = await call.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: end.handoffData ?? '' });
    const heard = parseTwiml(ended.text);
    assert.deepEqual(heard.says, ['Putting you through now.']);
    assert.match(heard.raw, /<Dial [^>]*>\+421905123456<\/Dial>/);
  });

  it('comes back into a new relay session when the person does not answer, with the apology said and stored', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    const relay = await openRelay(server.url);
    relay.setup(call.sid);
    standIn.enqueue({ toolCalls: [{ name: 'transfer_to_human', input: { reason: 'asked for a person' } }] }, { text: 'Putting you through now.' });
    relay.prompt('Can I talk to a person?');
    const end = await relay.waitFor((frame) => frame.type === 'end');
    relay.close();
    const dial = parseTwiml((await call.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: end.handoffData ?? '' })).text);
    const action = /<Dial [^>]*action="([^"]*)"/.exec(dial.raw)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(action, 'the dial has an action');

    const back = parseTwiml((await call.post(action, { DialCallStatus: 'no-answer', DialCallDuration: '0' })).text);
    assert.equal(back.gatherAction, null, 'not a turn-based <Gather>');
    assert.match(back.raw, /<Connect action="\/twilio\/relay-ended" method="POST"><ConversationRelay url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/relay"/);
    assert.equal(/welcomeGreeting="([^"]*)"/.exec(back.raw)?.[1]?.replaceAll('&apos;', "'"), phrase('en', 'transfer_failed'));

    const again = await openRelay(server.url);
    again.setup(call.sid);
    standIn.enqueue({ text: 'Of course, what is the message?' });
    again.prompt('Then take a message, please.');
    assert.equal(await again.reply(), 'Of course, what is the message?');
    again.close();
    assert.deepEqual((await texts(server.db, call.sid)).slice(-4), [
      ['assistant', 'Putting you through now.'],
      ['assistant', phrase('en', 'transfer_failed')],
      ['user', 'Then take a message, please.'],
      ['assistant', 'Of course, what is the message?'],
    ]);
  });
});

describe('a relay caller pressing 0', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ ASSISTANT_PROFILE: alwaysOpenProfile() })));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('is put through to a person without asking the model, as in a turn-based call', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    const relay = await openRelay(server.url);
    relay.setup(call.sid);
    relay.send({ type: 'dtmf', digit: '0' });
    relay.send({ type: 'dtmf', digit: '#' });
    const end = await relay.waitFor((frame) => frame.type === 'end');
    assert.deepEqual(JSON.parse(end.handoffData ?? ''), { reason: 'operator', say: false });
    relay.close();
    const heard = parseTwiml((await call.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: end.handoffData ?? '' })).text);
    assert.deepEqual(heard.says, [phrase('en', 'transferring')]);
    assert.match(heard.raw, /<Dial [^>]*>\+421905123456<\/Dial>/);
    assert.equal(standIn.requests.length, 0);
  });
});

describe('a silent relay caller', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ ASSISTANT_PROFILE: alwaysOpenProfile('Hi.'), RELAY_SILENCE_TIMEOUT_MS: '100' })));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('is asked twice whether they are still there, then told goodbye, as in a turn-based call', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    const relay = await openRelay(server.url);
    relay.setup(call.sid);
    const end = await relay.waitFor((frame) => frame.type === 'end');
    assert.deepEqual(
      relay.frames.filter((frame) => frame.type === 'text').map((frame) => [frame.token, frame.last]),
      [
        [phrase('en', 'reprompt'), true],
        [phrase('en', 'reprompt'), true],
      ],
    );
    assert.deepEqual(JSON.parse(end.handoffData ?? ''), { reason: 'silence', say: false });
    relay.close();
    const heard = parseTwiml((await call.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: end.handoffData ?? '' })).text);
    assert.deepEqual(heard.says, [phrase('en', 'silence_goodbye')]);
    assert.equal(heard.hangup, true);
    assert.equal(standIn.requests.length, 0);
  });
});

describe('a relay instance shutting down with sessions in progress', () => {
  let standIn: LlmStandIn;
  let db: Db;

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
  });
  after(async () => {
    await standIn.close();
    await db.close();
  });

  it('lets each caller hear "one moment", hands the session on, and another instance continues with what was heard', async () => {
    const server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ SHUTDOWN_TIMEOUT_MS: '2000' })), { db });
    const other = await startTestServer(testEnv(standIn, 'openai', twilioEnv()), { db });
    try {
      const talking = new PhoneCall(server.url);
      await talking.start();
      const streaming = await openRelay(server.url);
      streaming.setup(talking.sid);
      const quiet = new PhoneCall(server.url, '+14155557777');
      await quiet.start();
      const idle = await openRelay(server.url);
      idle.setup(quiet.sid);
      standIn.enqueue({ text: 'Our opening hours are a long story.', pieceDelayMs: 60_000 });
      streaming.prompt('When do you open?');
      await streaming.waitFor((frame) => frame.type === 'text');

      await server.close();
      for (const relay of [streaming, idle]) {
        await relay.closed;
        const end = relay.frames.find((frame) => frame.type === 'end');
        assert.deepEqual(JSON.parse(end?.handoffData ?? ''), { reason: 'moved', say: false });
        const said = relay.frames.filter((frame) => frame.type === 'text' && frame.last === true).at(-1);
        assert.equal(said?.token, movingPhrase('en'));
      }
      // The reply that could not finish in time is cut where it stood, and the model's request is given up.
      while (standIn.requests[0]?.closedEarly !== true) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual((await texts(db, talking.sid)).slice(1), [
        ['user', 'When do you open?'],
        ['assistant', 'Our'],
        ['assistant', movingPhrase('en')],
      ]);

      // Twilio posts the session's end to the instance still up, which connects the caller again.
      const moved = new PhoneCall(other.url);
      Object.assign(moved, { sid: talking.sid, account: talking.account });
      const end = streaming.frames.find((frame) => frame.type === 'end');
      const heard = parseTwiml((await moved.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: end?.handoffData ?? '' })).text);
      assert.match(heard.raw, /<ConversationRelay url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/relay"/);
      const again = await openRelay(other.url);
      again.setup(talking.sid);
      standIn.enqueue({ text: 'We open at eight.' });
      again.prompt('So when?');
      assert.equal(await again.reply(), 'We open at eight.');
      again.close();
      assert.deepEqual((await texts(db, talking.sid)).slice(-3), [
        ['assistant', reconnectedPhrase('en')],
        ['user', 'So when?'],
        ['assistant', 'We open at eight.'],
      ]);
    } finally {
      await other.close();
    }
  });
});

describe('a relay caller flooding the line', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', twilioEnv({ RATE_LIMIT_CALLER_PER_MINUTE: '3' })));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('is asked once to slow down past the caller limit, and the turns past it go nowhere', async () => {
    const earlier = await scrape(server.url);
    const call = new PhoneCall(server.url, '+14155553333');
    await call.start();
    const relay = await openRelay(server.url);
    relay.setup(call.sid);
    standIn.setFallbackReply({ text: 'Yes?' });
    for (let prompt = 0; prompt < 40; prompt += 1) relay.prompt(`Question number ${prompt}, please?`);
    await relay.waitFor((frame) => frame.type === 'text' && frame.token === phrase('en', 'rate_limited_caller'));
    // The same budget as the caller's webhooks: past it a turn-based call is limited too.
    const gather = await call.say('/twilio/voice?turn=1', 'Hello?');
    assert.deepEqual(gather.says, [phrase('en', 'rate_limited_caller')]);
    // A moment for any prompts still queued behind the limited ones.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(standIn.requests.length <= 3, `${standIn.requests.length} requests to the model`);
    assert.equal(relay.frames.filter((frame) => frame.token === phrase('en', 'rate_limited_caller')).length, 1);
    assert.equal(relay.socket.readyState, relay.socket.OPEN);
    const later = await scrape(server.url);
    assert.ok((later.value('phone_assistant_rate_limited_total', { scope: 'caller' }) ?? 0) - (earlier.value('phone_assistant_rate_limited_total', { scope: 'caller' }) ?? 0) >= 37);
    relay.close();
  });
});
