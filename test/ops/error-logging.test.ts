// Errors are logged with their type, code, stack and causes, but never with what a caller or client sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { createTestDatabase, pgSkip } from '../helpers/postgres.ts';
import { openTestDb, postJson, TEST_API_KEY, testEnv } from '../helpers/test-app.ts';
import { callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const skip = await pgSkip();

// What a caller said, as it would reach an error: it must appear in no log line.
const MARKER = 'Zyxwv-caller-words-4711';
const SAID = `my account is ${MARKER} please`;
// The caller's number, for the statement whose message quotes a number.
const NUMBER_SAID = '98765432104711';

interface LoggedError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: LoggedError;
}

interface LogLine {
  msg: string;
  err?: LoggedError;
  error?: LoggedError;
}

/** Statements that fail inside the database with the caller's words in their parameters, each a different SQLSTATE. */
const FAILING_QUERIES: Record<string, { sql: string; params: unknown[]; code: string }> = {
  // 23505: `detail` quotes the key.
  unique: { sql: 'INSERT INTO log_test VALUES ($1), ($1)', params: [SAID], code: '23505' },
  // 22P02: the message itself quotes the value.
  syntax: { sql: 'SELECT $1::uuid', params: [SAID], code: '22P02' },
  // 22003: the message quotes the number.
  range: { sql: 'SELECT $1::int', params: [NUMBER_SAID], code: '22003' },
  // 22P05: `where` quotes the JSON it was parsing.
  encoding: { sql: 'SELECT $1::jsonb', params: [`{"said": "${SAID} \\u0000"}`], code: '22P05' },
};

describe('error logging keeps caller words out', () => {
  let standIn: LlmStandIn;
  let db: Db;
  let app: App;
  let url: string;
  const raw: string[] = [];
  const lines = () => raw.map((line) => JSON.parse(line) as LogLine);

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
    await db.query('CREATE TABLE log_test (said text PRIMARY KEY)');
    const config = loadConfig(testEnv(standIn, 'openai', { LOG_LEVEL: 'info', TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
    app = await buildApp(config, { db, logger: createLogger(config, { write: (line: string) => void raw.push(line) }) });
    // A handler whose query fails on what the client sent, as an unforeseen input would make one fail.
    app.fastify.post<{ Params: { kind: string } }>('/failing-query/:kind', async (request) => {
      const query = FAILING_QUERIES[request.params.kind]!;
      await db.query(query.sql, query.params);
      return { ok: true };
    });
    url = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.fastify.close();
    await db.close();
    await standIn.close();
  });

  function assertNoMarker(): void {
    const leaking = raw.filter((line) => line.includes(MARKER) || line.includes(NUMBER_SAID));
    assert.deepEqual(leaking, [], 'a log line quotes the caller');
  }

  for (const [kind, query] of Object.entries(FAILING_QUERIES)) {
    it(`a database error (${query.code}) is logged with its type, code and stack, without the value`, async () => {
      const before = raw.length;
      const response = await fetch(`${url}/failing-query/${kind}`, { method: 'POST' });
      assert.equal(response.status, 500);
      assert.doesNotMatch(await response.text(), new RegExp(MARKER));
      const failed = lines()
        .slice(before)
        .find((line) => line.msg === 'request failed');
      assert.ok(failed?.err, `no error line:\n${raw.slice(before).join('\n')}`);
      assert.equal(failed.err.type, 'DatabaseError');
      assert.equal(failed.err.code, query.code);
      assert.match(failed.err.stack ?? '', /^DatabaseError: .*\n\s+at /);
      assertNoMarker();
    });
  }

  it('a failing text turn: the LLM refusing the input and quoting it, a refused key, invalid bodies', async () => {
    const quoting = { error: { message: `Invalid 'messages[1].content': ${SAID} is not allowed`, type: 'invalid_request_error' } };
    standIn.enqueue({ status: 400, body: quoting });
    const refused = await postJson(`${url}/v1/text`, { text: SAID });
    assert.equal(refused.status, 503);
    standIn.enqueue({ status: 401 });
    assert.equal((await postJson(`${url}/v1/text`, { text: SAID })).status, 503);
    assert.equal((await postJson(`${url}/v1/text`, { text: SAID, language: MARKER })).status, 422);
    assert.equal((await postJson(`${url}/v1/text`, `{"text": "${SAID}"`)).status, 400);
    const failures = lines().filter((line) => line.msg === 'LLM turn failed');
    assert.ok(failures.length >= 2, raw.join('\n'));
    assertNoMarker();
  });

  it('a failing speech request whose provider quotes the text back', async () => {
    standIn.enqueue({ status: 400, body: { error: { message: `Cannot speak "${SAID}"`, type: 'invalid_request_error' } } });
    const response = await fetch(`${url}/v1/tts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ text: SAID }),
    });
    assert.equal(response.status, 502);
    await response.arrayBuffer();
    assert.ok(lines().some((line) => line.msg === 'speech synthesis failed'));
    assertNoMarker();
  });

  it('a text turn whose words the database cannot store (a lone surrogate in jsonb)', async () => {
    standIn.enqueue({ text: 'Noted.' });
    const response = await postJson(`${url}/v1/text`, `{"text": "${SAID} \\ud800"}`);
    assert.doesNotMatch(JSON.stringify(response.body), new RegExp(MARKER));
    assertNoMarker();
  });

  it('a voice turn the LLM refuses, quoting what the caller said', async () => {
    const base = { CallSid: callSid(), AccountSid: `AC${'0'.repeat(32)}`, From: '+14155551234', To: '+14155550199' };
    await signedPost(url, '/twilio/incoming', { ...base, CallStatus: 'ringing' });
    standIn.enqueue({ status: 400, body: { error: { message: `Refused: ${SAID}`, type: 'invalid_request_error' } } });
    const turn = await signedPost(url, '/twilio/voice?turn=1', { ...base, CallStatus: 'in-progress', SpeechResult: SAID });
    assert.equal(turn.status, 200);
    assertNoMarker();
  });
});

describe('error logging on PostgreSQL', () => {
  it('a pg DatabaseError keeps its code and constraint, not its detail', { skip }, async () => {
    const database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database!.url, max: 1 });
    const raw: string[] = [];
    try {
      await pool.query('CREATE TABLE log_test (said text CONSTRAINT log_test_said PRIMARY KEY)');
      const error = await pool.query('INSERT INTO log_test VALUES ($1), ($1)', [SAID]).then(
        () => assert.fail('the insert should fail'),
        (err: unknown) => err,
      );
      assert.match(JSON.stringify((error as { detail?: string }).detail), new RegExp(MARKER), 'pg quotes the value in detail');
      createLogger({ logLevel: 'info' }, { write: (line: string) => void raw.push(line) }).error({ err: error }, 'insert failed');
      const logged = (JSON.parse(raw[0]!) as LogLine).err!;
      assert.deepEqual({ type: logged.type, code: logged.code, constraint: (logged as { constraint?: string }).constraint }, { type: 'DatabaseError', code: '23505', constraint: 'log_test_said' });
      assert.doesNotMatch(raw[0]!, new RegExp(MARKER));
    } finally {
      await pool.end();
      await database!.drop();
    }
  });
});
