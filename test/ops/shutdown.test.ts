// Graceful shutdown of the real server process: work in flight finishes and is stored, within the bound, or is cut off with exit 1.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { openPglite } from '../../src/db/pglite-db.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { eventually, startServerProcess } from '../helpers/server-process.ts';
import { postJson, TEST_API_KEY } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

/** Resolves when a new TCP connection to `port` is refused, rejects when one is accepted. */
function expectRefused(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error('connection accepted'));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve() : reject(error)));
  });
}

describe('shutdown on SIGTERM', () => {
  let standIn: LlmStandIn;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    standIn = await startLlmStandIn();
  });
  after(() => standIn.close());
  beforeEach(() => {
    standIn.reset();
    dataDir = mkdtempSync(path.join(tmpdir(), 'pa-shutdown-'));
    env = {
      DATA_DIR: dataDir,
      API_KEY: TEST_API_KEY,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      OPENAI_MODEL: 'stand-in-model',
      TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
      TWILIO_REPLY_DEADLINE_MS: '500',
      LLM_TURN_TIMEOUT_MS: '10000',
    };
  });

  it('refuses new connections, finishes the requests and voice turns in flight, stores them, and exits 0', async () => {
    const server = await startServerProcess({ ...env, SHUTDOWN_TIMEOUT_MS: '8000' });
    // A voice turn whose webhook has answered with a holding phrase while the LLM is still thinking…
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    standIn.enqueue({ hangMs: 1500, text: 'We open at eight on weekdays.' });
    const held = await call.say(greeting.gatherAction!, 'When do you open?');
    assert.deepEqual(held.says, ['One moment, please.']);
    // …and a text request still waiting for its reply.
    standIn.enqueue({ hangMs: 1500, text: 'Yes, we take new patients.' });
    let textSettled = false;
    const textReply = postJson(`${server.url}/v1/text`, { text: 'Do you take new patients?' }).finally(() => (textSettled = true));
    await eventually(() => standIn.requests.length === 2, 5_000, () => 'the text turn did not reach the LLM');

    server.child.kill('SIGTERM');
    await eventually(() => server.output().includes('shutting down'), 5_000, () => `no shutdown logged:\n${server.output()}`);
    await eventually(() => expectRefused(server.port).then(() => true), 1_000, () => 'new connections are still accepted');
    assert.equal(textSettled, false, 'the listener closed while the text request was still in flight');

    const text = await textReply;
    assert.equal(text.status, 200);
    assert.equal(text.body.reply, 'Yes, we take new patients.');
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /"msg":"shut down"/);

    const db = await openPglite(path.join(dataDir, 'pglite'));
    try {
      const conversation = await findCallConversation(db, call.sid);
      assert.ok(conversation);
      const spoken = (await loadRecentMessages(db, conversation.id, 10)).map((row) => row.text);
      assert.deepEqual(spoken.slice(1), ['When do you open?', 'We open at eight on weekdays.'], 'the voice turn finished after its webhook answered');
      const { rows: replies } = await db.query<{ status: string; body: string }>('SELECT status, body FROM webhook_replies WHERE key = $1', [`voice:${call.sid}:1`]);
      assert.equal(replies[0]?.status, 'done', 'the redirect after the holding phrase will find the reply');
      assert.match(replies[0]?.body ?? '', /We open at eight on weekdays\./);
      const { rows: texts } = await db.query<{ id: string }>(`SELECT id FROM conversations WHERE channel = 'text'`);
      assert.deepEqual((await loadRecentMessages(db, texts[0]!.id, 10)).map((row) => row.text), ['Do you take new patients?', 'Yes, we take new patients.']);
    } finally {
      await db.close();
    }
  });

  it('exits 1 when the work in flight outlasts SHUTDOWN_TIMEOUT_MS, logging what it cut off', async () => {
    const server = await startServerProcess({ ...env, SHUTDOWN_TIMEOUT_MS: '300' });
    standIn.enqueue({ hangMs: 8000, text: 'Too late.' });
    const textReply = postJson(`${server.url}/v1/text`, { text: 'Hello?' }).then(
      () => 'answered',
      () => 'cut off',
    );
    await eventually(() => standIn.requests.length === 1, 5_000, () => 'the text turn did not reach the LLM');

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 1, server.output());
    assert.equal(await textReply, 'cut off');
    const cutOff = server
      .output()
      .split('\n')
      .filter((line) => line.includes('shutdown took too long'))
      .map((line) => JSON.parse(line) as { cutOff: { requests: { method: string; route: string }[] } });
    assert.equal(cutOff.length, 1, server.output());
    assert.deepEqual(
      cutOff[0]!.cutOff.requests.map(({ method, route }) => ({ method, route })),
      [{ method: 'POST', route: '/v1/text' }],
    );
  });
});
