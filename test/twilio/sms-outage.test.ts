// SMS and call statuses while PostgreSQL is frozen: nothing Twilio sends once is lost, and the caller is told.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { openDb } from '../../src/db/open-db.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { ownPostgresSkip, startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { eventually } from '../helpers/server-process.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// Generous: the replayer tries every 200 ms, but a loaded machine is slow.
const STORED_WITHIN_MS = 30_000;

const messageOf = (twiml: string) => /<Message>([^<]*)<\/Message>/.exec(twiml)?.[1]?.replaceAll('&apos;', "'");

describe('a frozen PostgreSQL and the webhooks Twilio sends only once', { skip: ownPostgresSkip() }, () => {
  let own: OwnPostgres | undefined;
  let standIn: LlmStandIn | undefined;
  let db: Db | undefined;
  let server: TestServer | undefined;
  const logLines: string[] = [];

  before(async () => {
    own = await startOwnPostgres();
    standIn = await startLlmStandIn();
    const env = testEnv(standIn, 'openai', {
      TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
      DATABASE_URL: own.url,
      DB_POOL_SIZE: '2',
      DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
      DB_QUERY_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '800',
      SPOOL_REPLAY_INTERVAL_MS: '200',
      LOG_LEVEL: 'info',
    });
    db = await openDb(loadConfig(env).database);
    server = await startTestServer(env, { db, logLines });
  });
  after(async () => {
    own?.thaw();
    await server?.close();
    await db?.close();
    await standIn?.close();
    await own?.stop();
  });
  afterEach(() => own!.thaw());

  const spooled = () => readdirSync(path.join(server!.config.database.dataDir, 'spool')).filter((name) => name.endsWith('.json'));

  it('keeps an SMS it cannot process, apologises in its language, and stores it for a person once the database is back', async () => {
    const sid = messageSid();
    const text = 'Добрий день, можна записатися на завтра? Секретне слово: ожина';
    const params = { MessageSid: sid, AccountSid: accountSid(), From: '+421905111222', To: '+14155550199', Body: text, NumMedia: '0' };
    own!.freeze();
    const reply = await signedPost(server!.url, '/twilio/sms', params);
    assert.equal(reply.status, 200);
    assert.match(reply.contentType ?? '', /^text\/xml/);
    assert.equal(messageOf(reply.text), phrase('uk', 'sms_message_saved'));
    assert.deepEqual(spooled(), [`sms-${sid}.json`], 'kept on disk before the answer');

    const logged = logLines.join('');
    assert.match(logged, new RegExp(sid), 'the log names the message');
    assert.doesNotMatch(logged, /ожина/, 'never its words');
    assert.doesNotMatch(logged, /421905111222/, 'never the unmasked number');

    own!.thaw();
    await eventually(() => spooled().length === 0, STORED_WITHIN_MS, () => `the SMS is still in the spool: ${spooled().join(', ')}`);
    const { rows: callbacks } = await db!.query<{ caller: string; message: string; name: string }>(
      'SELECT caller, message, name FROM callback_requests WHERE message = $1',
      [text],
    );
    assert.deepEqual(callbacks, [{ caller: '+421905111222', message: text, name: '(SMS)' }], 'a person is asked to answer it');
    const { rows: threads } = await db!.query<{ id: string; language: string }>(`SELECT id, language FROM conversations WHERE channel = 'sms' AND caller = '+421905111222'`);
    assert.equal(threads.length, 1);
    assert.equal(threads[0]!.language, 'uk');
    const stored = await loadRecentMessages(db!, threads[0]!.id);
    assert.deepEqual(
      stored.map((row) => [row.message.role, row.text]),
      [
        ['user', text],
        ['assistant', phrase('uk', 'sms_message_saved')],
      ],
    );

    // The same MessageSid again is answered as before and stored no second time.
    const again = await signedPost(server!.url, '/twilio/sms', params);
    assert.equal(messageOf(again.text), phrase('uk', 'sms_message_saved'));
    assert.equal(standIn!.requests.length, 0, 'no assistant turn for a message already answered');
    const { rows: count } = await db!.query<{ n: number }>('SELECT count(*)::int AS n FROM callback_requests WHERE message = $1', [text]);
    assert.deepEqual(count, [{ n: 1 }]);
  });

  it("keeps a call's final status and records it once the database is back", async () => {
    const call = new PhoneCall(server!.url);
    await call.start();
    own!.freeze();
    assert.equal(await call.status('completed', 42), 204);
    assert.deepEqual(spooled(), [`call-status-${call.sid}-completed.json`]);

    own!.thaw();
    await eventually(() => spooled().length === 0, STORED_WITHIN_MS, () => `the status is still in the spool: ${spooled().join(', ')}`);
    const conversation = await findCallConversation(db!, call.sid);
    assert.equal(conversation?.status, 'completed');
    assert.equal(conversation?.durationSeconds, 42);
  });
});
