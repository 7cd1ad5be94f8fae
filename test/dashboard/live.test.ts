// The live view's event stream: a call taken by one instance reaches a page held open on another, through PostgreSQL; shutdown ends open streams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertCallbackRequest } from '../../src/db/callbacks-repo.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import type { Db } from '../../src/db/db.ts';
import { DashboardVisitor, TEST_DASHBOARD_PASSWORD } from '../helpers/dashboard-client.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

interface LiveEvent {
  version: string;
  openMessages: number;
  liveCalls: number;
}

/** Reads a server-sent event stream as the page's EventSource would, event by event. */
async function openStream(visitor: DashboardVisitor): Promise<{ next(): Promise<LiveEvent>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${visitor.baseUrl}/dashboard/live`, {
    headers: { accept: 'text/event-stream', cookie: visitor.cookieHeader() },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const match = /event: activity\ndata: (.*)\n\n/.exec(buffer);
        if (match) {
          buffer = buffer.slice(match.index + match[0].length);
          return JSON.parse(match[1]!) as LiveEvent;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += value;
      }
    },
    close: () => controller.abort(),
  };
}

const env = (url: string) =>
  testEnv(null, 'openai', {
    DATABASE_URL: url,
    DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD,
    // The same key on every instance: a session from one is good on the others.
    DASHBOARD_SESSION_SECRET: 'one-secret-for-every-instance-0123456789',
    TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
  });

describe('live view across two instances on PostgreSQL', { skip: await pgSkip() }, () => {
  let database: TestDatabase;
  let dbs: Db[] = [];
  let one: TestServer;
  let two: TestServer;
  before(async () => {
    database = (await createTestDatabase())!;
    const open = () => openPostgres({ url: database.url, poolSize: 2, poolMaxOverflow: 2, poolIdleTimeoutMs: 10_000, poolAcquireTimeoutMs: 5_000, queryTimeoutMs: 10_000, statementTimeoutMs: 9_000 });
    dbs = [await open(), await open()];
    await migrate(dbs[0]!);
    one = await startTestServer(env(database.url), { db: dbs[0]! });
    two = await startTestServer(env(database.url), { db: dbs[1]! });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    for (const db of dbs) await db.close();
    await database?.drop();
  });

  it("tells a page open on one instance of a call that arrived at the other, the message it left, and its end", async () => {
    const owner = new DashboardVisitor(one.url);
    assert.equal((await owner.signIn()).status, 303);
    const stream = await openStream(owner);
    try {
      const first = await stream.next();
      assert.deepEqual({ liveCalls: first.liveCalls, openMessages: first.openMessages }, { liveCalls: 0, openMessages: 0 });

      const sid = callSid();
      const answered = await signedPost(two.url, '/twilio/incoming', { CallSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: '+14155550177', To: '+14155550100', CallStatus: 'in-progress' });
      assert.equal(answered.status, 200);
      const ringing = await stream.next();
      assert.equal(ringing.liveCalls, 1);
      assert.notEqual(ringing.version, first.version);

      // The page, fetched again from the other instance with the same session, lists it.
      const elsewhere = new DashboardVisitor(two.url);
      elsewhere.useCookieOf(owner);
      const today = await elsewhere.get('/', { 'x-dashboard-fetch': '1' });
      assert.equal(today.status, 200);
      assert.match(today.text, /id="live-calls"[\s\S]*\+1\*\*\*\*\*0177/);

      // A message the caller left, stored by the other instance.
      await insertCallbackRequest(dbs[1]!, { conversationId: null, caller: '+14155550177', name: 'Eva', message: 'Call me back, please.' });
      assert.equal((await stream.next()).openMessages, 1);

      const ended = await signedPost(two.url, '/twilio/status', { CallSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: '+14155550177', To: '+14155550100', CallStatus: 'completed', CallDuration: '12' });
      assert.equal(ended.status, 204);
      assert.equal((await stream.next()).liveCalls, 0);
    } finally {
      stream.close();
    }
  });
});

describe('live view at shutdown', () => {
  it('ends the open streams, so the server closes', async () => {
    const server = await startTestServer(testEnv(null, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD }));
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    const stream = await openStream(owner);
    await stream.next();
    // Would hang (and the test time out) if the stream held the server open.
    await server.close();
    await assert.rejects(stream.next(), /stream ended|terminated/);
  });
});
