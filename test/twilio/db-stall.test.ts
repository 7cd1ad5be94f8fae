// A frozen PostgreSQL (SIGSTOP: connections open, nothing answers) must never leave a caller in silence.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { apology } from '../../src/assistant/phrases.ts';
import { saveCustomerName } from '../../src/booking/customers-repo.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { openDb } from '../../src/db/open-db.ts';
import { loadProfile } from '../../src/profile.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { ownPostgresSkip, startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// Twilio's own limit for a webhook answer: past it the caller hears Twilio's error message.
// This is the product's contract, not a performance figure; the timeouts below make the answer come far sooner.
const TWILIO_WAITS_MS = 15_000;

async function answeredInTime<T>(what: string, pending: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within Twilio's ${TWILIO_WAITS_MS} ms`)), TWILIO_WAITS_MS);
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a frozen PostgreSQL', { skip: ownPostgresSkip() }, () => {
  let own: OwnPostgres | undefined;
  let standIn: LlmStandIn | undefined;
  let db: Db | undefined;
  let server: TestServer | undefined;
  // Database timeouts longer than Twilio waits: only the webhook's own budget can answer in time.
  let patientDb: Db | undefined;
  let patientServer: TestServer | undefined;

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
    });
    db = await openDb(loadConfig(env).database);
    server = await startTestServer(env, { db });
    const patientEnv = { ...env, DB_QUERY_TIMEOUT_MS: '60000', DB_STATEMENT_TIMEOUT_MS: '59000', DB_POOL_ACQUIRE_TIMEOUT_MS: '60000', TWILIO_REPLY_DEADLINE_MS: '1000' };
    patientDb = await openDb(loadConfig(patientEnv).database);
    patientServer = await startTestServer(patientEnv, { db: patientDb });
  });
  after(async () => {
    // Thawed first, so whatever still waits on the database can finish and close.
    own?.thaw();
    await server?.close();
    await db?.close();
    await patientServer?.close();
    await patientDb?.close();
    await standIn?.close();
    await own?.stop();
  });
  beforeEach(() => standIn!.reset());
  afterEach(() => own!.thaw());

  // First, while the pool's connections are fresh: nothing else has used them up.
  it('reports the stall on /ready and answers /v1/text with 503', async () => {
    own!.freeze();
    const ready = await answeredInTime('/ready', fetch(`${server!.url}/ready`));
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { checks: { database: { status: string } } };
    assert.equal(body.checks.database.status, 'error');

    const text = await answeredInTime('/v1/text', postJson(`${server!.url}/v1/text`, { text: 'Hello', language: 'en' }));
    assert.equal(text.status, 503);
    assert.equal(text.body.error, 'unavailable');
  });

  it('answers a caller mid-call with an apology in the call language, and the words said again are answered', async () => {
    const call = new PhoneCall(server!.url);
    const greeting = await call.start('/twilio/incoming?language=sk');
    assert.equal(greeting.gatherLanguage, 'sk-SK');

    own!.freeze();
    const heard = await answeredInTime('a voice turn', call.say(greeting.gatherAction!, 'Kedy máte otvorené?'));
    assert.deepEqual(heard.says, [apology('sk', 'other')]);
    // Asked again as the next turn: the frozen statement that would have claimed turn 1 runs
    // once the server resumes, with nobody left to compute that turn.
    assert.equal(heard.gatherAction, '/twilio/voice?turn=2&language=sk');
    assert.equal(heard.gatherLanguage, 'sk-SK');

    own!.thaw();
    standIn!.enqueue({ text: 'Otvorené máme od ôsmej.' });
    const retried = await answeredInTime('the retried turn', call.say(heard.gatherAction!, 'Kedy máte otvorené?'));
    assert.deepEqual(retried.says, ['Otvorené máme od ôsmej.']);
  });

  it('greets a new call in its language while the database is frozen, plainly though the caller is known by name', async () => {
    const profile = await loadProfile(server!.config.assistantProfilePath);
    const call = new PhoneCall(server!.url);
    // The name is looked up by the statement that opens the call: frozen, the plain greeting goes out in time.
    await saveCustomerName(db!, call.from, 'Anna');
    own!.freeze();
    const greeting = await answeredInTime('a new call', call.start('/twilio/incoming?language=uk'));
    assert.deepEqual(greeting.says, [profile.greetings.uk]);
    assert.equal(greeting.gatherLanguage, 'uk-UA');
    assert.match(greeting.gatherAction ?? '', /^\/twilio\/voice\?turn=1\b/);
  });

  it('apologises to a caller waiting for a held reply when the database freezes', async () => {
    const call = new PhoneCall(server!.url);
    await call.start();
    own!.freeze();
    const heard = await answeredInTime('a held turn', call.silence('/twilio/voice?turn=1&wait=1'));
    assert.deepEqual(heard.says, [apology('en', 'other')]);
    assert.equal(heard.gatherAction, '/twilio/voice?turn=1');
  });


  it("answers within the webhook's own budget when the database's timeouts are longer than Twilio waits", async () => {
    const call = new PhoneCall(patientServer!.url);
    const greeting = await call.start('/twilio/incoming?language=ru');
    own!.freeze();
    const heard = await answeredInTime('a voice turn', call.say(greeting.gatherAction!, 'Когда вы открыты?'));
    assert.deepEqual(heard.says, [apology('ru', 'other')]);
    assert.equal(heard.gatherAction, '/twilio/voice?turn=2&language=ru');

    const another = new PhoneCall(patientServer!.url);
    const greeted = await answeredInTime('a new call', another.start('/twilio/incoming?language=ru'));
    assert.equal(greeted.gatherLanguage, 'ru-RU');
  });
});
