// The pool under load on the running PostgreSQL: 100 concurrent signed voice turns, its bounds, and the fast 503.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { phrase } from '../../src/assistant/phrases.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { openDb } from '../../src/db/open-db.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const skip = await pgSkip();

/** Server connections the app holds on its database, counted by PostgreSQL itself. */
async function serverConnections(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'phone-assistant'",
  );
  return rows[0]!.n;
}

async function startOnPostgres(database: TestDatabase, standIn: LlmStandIn, extra: Record<string, string>): Promise<{ server: TestServer; db: Db }> {
  const env = testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, DATABASE_URL: database.url, ...extra });
  const db = await openDb(loadConfig(env).database);
  return { server: await startTestServer(env, { db }), db };
}

describe('the pool under load', { skip }, () => {
  let standIn: LlmStandIn;
  let database: TestDatabase;
  let admin: pg.Client;

  before(async () => {
    standIn = await startLlmStandIn();
    database = (await createTestDatabase())!;
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await database.drop();
    await standIn.close();
  });

  it('takes 100 concurrent voice turns on a pool of 5 + 5: no error, never above 10 connections, back to 5 when idle', async () => {
    const { server, db } = await startOnPostgres(database, standIn, {
      DB_POOL_SIZE: '5',
      DB_POOL_MAX_OVERFLOW: '5',
      DB_POOL_IDLE_TIMEOUT_MS: '300',
      // What is tested is the pool: 100 turns at once on a loaded 2-core machine must not meet the
      // LLM's or the webhook's deadline instead (their fallbacks are tested elsewhere).
      LLM_TURN_TIMEOUT_MS: '30000',
      TWILIO_REPLY_DEADLINE_MS: '12000',
      DB_POOL_ACQUIRE_TIMEOUT_MS: '10000',
    });
    try {
      // 100 callers, each with their own number (one number would spend its rate limit).
      const calls = Array.from({ length: 100 }, (_, index) => new PhoneCall(server.url, `+1415555${String(1000 + index)}`));
      await Promise.all(calls.map((call) => call.start()));
      for (let index = 0; index < calls.length; index += 1) standIn.enqueue({ text: `Answer ${index}` });

      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await serverConnections(admin));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const heard = await Promise.all(calls.map((call) => call.say('/twilio/voice?turn=1', 'What are your opening hours?')));
      sampling = false;
      await sampler;

      assert.ok(heard.every((turn) => /^Answer \d+$/.test(turn.says[0] ?? '') && turn.gatherAction === '/twilio/voice?turn=2'));
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM conversation_messages WHERE role = 'user'");
      assert.equal(rows[0]!.n, 100, 'every turn stored');
      assert.ok(peak > 5, `the burst used overflow connections (peak ${peak})`);
      assert.ok(peak <= 10, `never more than DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW (peak ${peak})`);

      const settleBy = Date.now() + 5_000;
      while ((await serverConnections(admin)) !== 5 && Date.now() < settleBy) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await serverConnections(admin), 5, 'back to the steady size');
      assert.deepEqual(db.stats(), { total: 5, idle: 5, waiting: 0 });
    } finally {
      await server.close();
      await db.close();
    }
  });

  it('answers 503 promptly when no connection frees up in time, and a caller hears an apology instead', async () => {
    const { server, db } = await startOnPostgres(database, standIn, { DB_POOL_SIZE: '1', DB_POOL_MAX_OVERFLOW: '0', DB_POOL_ACQUIRE_TIMEOUT_MS: '200' });
    try {
      const call = new PhoneCall(server.url);
      await call.start();
      const holder = db.query('SELECT pg_sleep(1.5)');
      const startedMs = performance.now();
      const text = await postJson(`${server.url}/v1/text`, { text: 'hello' });
      const elapsedMs = performance.now() - startedMs;
      assert.equal(text.status, 503);
      assert.equal(text.body.error, 'unavailable');
      assert.ok(elapsedMs < 1000, `failed fast, not after the connection freed (${Math.round(elapsedMs)} ms)`);

      const spoken = await call.say('/twilio/voice?turn=1', 'hello?');
      assert.deepEqual(spoken.says, [phrase('en', 'apology_other')]);
      // Nothing of turn 1 was stored, and no claim on it can hold the words said again up.
      assert.equal(spoken.gatherAction, '/twilio/voice?turn=2');
      await holder;
    } finally {
      await server.close();
      await db.close();
    }
  });
});
