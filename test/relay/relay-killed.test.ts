// Relay calls whose server process goes away mid-reply, killed or told to stop: Twilio's <Connect action> on a second process continues them from PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import { movingPhrase, reconnectedPhrase } from '../../src/relay/relay-phrases.ts';
import { killAndWait } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { parseTwiml, PhoneCall } from '../helpers/phone-call.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { openRelay } from '../helpers/relay-client.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const skip = await pgSkip();

/** The model's view of a request: role and plain text of every message after the system prompt. */
function conversationOf(standIn: LlmStandIn, index: number): [string, string][] {
  const messages = (standIn.requests[index]?.body['messages'] ?? []) as { role: string; content: unknown }[];
  return messages
    .filter((message) => message.role !== 'system')
    .map((message) => [message.role, typeof message.content === 'string' ? message.content : (message.content as { text?: string }[]).map((part) => part.text ?? '').join('')]);
}

describe('a relay call on an instance that is killed', { skip }, () => {
  let standIn: LlmStandIn;
  let database: TestDatabase;
  let first: ServerProcess;
  let second: ServerProcess;
  let third: ServerProcess | undefined;

  const env = (name: string) => ({
      DATABASE_URL: database.url,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), `pa-relay-${name}-`)),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      OPENAI_MODEL: 'stand-in-model',
      TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
      VOICE_MODE: 'relay',
      LOG_LEVEL: 'warn',
      OUTBOX_POLL_INTERVAL_MS: '3600000',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });

  before(async () => {
    standIn = await startLlmStandIn();
    database = (await createTestDatabase())!;
    // One after the other: each applies the migrations at start.
    first = await startServerProcess(env('first'));
    second = await startServerProcess(env('second'));
  });
  after(async () => {
    await killAndWait(first.child);
    await killAndWait(second.child);
    if (third) await killAndWait(third.child);
    await standIn.close();
    await database.drop();
  });

  it('reconnects the caller on the other instance, which continues with the stored history', async () => {
    const call = new PhoneCall(first.url);
    await call.start();
    const relay = await openRelay(first.url);
    relay.setup(call.sid);
    standIn.enqueue({ text: 'We open at eight.' });
    relay.prompt('When do you open?');
    assert.equal(await relay.reply(), 'We open at eight.');

    // A reply is streaming when the process dies: no shutdown, nothing more stored.
    standIn.enqueue({ text: 'On Saturdays it is a long story.', pieceDelayMs: 60_000 });
    const from = relay.frames.length;
    relay.prompt('And on Saturdays?');
    await relay.waitFor((frame) => frame.type === 'text', from);
    await killAndWait(first.child);
    await relay.closed;

    // Twilio posts the session's end to whichever instance it reaches.
    const moved = new PhoneCall(second.url);
    Object.assign(moved, { sid: call.sid, account: call.account });
    const ended = await moved.post('/twilio/relay-ended', { SessionStatus: 'failed', ErrorCode: '64105' });
    assert.equal(ended.status, 200);
    const heard = parseTwiml(ended.text);
    assert.match(heard.raw, new RegExp(`<ConversationRelay url="ws://127\\.0\\.0\\.1:${second.port}/twilio/relay"`));

    const again = await openRelay(second.url);
    again.setup(call.sid);
    standIn.enqueue({ text: 'Nine on Saturdays.' });
    again.prompt('Saturdays, please?');
    assert.equal(await again.reply(), 'Nine on Saturdays.');
    again.close();
    assert.deepEqual(conversationOf(standIn, 2), [
      ['user', 'When do you open?'],
      ['assistant', 'We open at eight.'],
      ['assistant', reconnectedPhrase('en')],
      ['user', 'Saturdays, please?'],
    ]);
  });

  it('on SIGTERM hands every live session on and exits within SHUTDOWN_TIMEOUT_MS; the other instance continues the call', async () => {
    third = await startServerProcess(env('third'));
    const streamingCall = new PhoneCall(third.url);
    await streamingCall.start();
    const streaming = await openRelay(third.url);
    streaming.setup(streamingCall.sid);
    const idleCall = new PhoneCall(third.url, '+14155556666');
    await idleCall.start();
    const idle = await openRelay(third.url);
    idle.setup(idleCall.sid);
    standIn.enqueue({ text: 'Parking is behind the building, next to the pharmacy.', pieceDelayMs: 60_000 });
    streaming.prompt('Where can I park?');
    await streaming.waitFor((frame) => frame.type === 'text');
    // A moment for the idle session's setup to be taken in (nothing comes back for it to wait on).
    await new Promise((resolve) => setTimeout(resolve, 300));

    const exited = once(third.child, 'exit');
    third.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    // The bound exits with 1: 0 is a shutdown done within SHUTDOWN_TIMEOUT_MS.
    assert.equal(code, 0, 'a clean exit, not cut off by the bound');
    for (const relay of [streaming, idle]) {
      await relay.closed;
      assert.deepEqual(JSON.parse(relay.frames.find((frame) => frame.type === 'end')?.handoffData ?? ''), { reason: 'moved', say: false });
      assert.equal(relay.frames.filter((frame) => frame.type === 'text').at(-1)?.token, movingPhrase('en'));
    }

    const moved = new PhoneCall(second.url);
    Object.assign(moved, { sid: streamingCall.sid, account: streamingCall.account });
    const ended = await moved.post('/twilio/relay-ended', { SessionStatus: 'ended', HandoffData: JSON.stringify({ reason: 'moved', say: false }) });
    assert.match(parseTwiml(ended.text).raw, new RegExp(`<ConversationRelay url="ws://127\\.0\\.0\\.1:${second.port}/twilio/relay"`));
    const again = await openRelay(second.url);
    again.setup(streamingCall.sid);
    standIn.enqueue({ text: 'Behind the building.' });
    again.prompt('Sorry, where?');
    assert.equal(await again.reply(), 'Behind the building.');
    again.close();
    assert.deepEqual(conversationOf(standIn, standIn.requests.length - 1), [
      ['user', 'Where can I park?'],
      ['assistant', 'Parking'],
      ['assistant', movingPhrase('en')],
      ['assistant', reconnectedPhrase('en')],
      ['user', 'Sorry, where?'],
    ]);
  });
});
