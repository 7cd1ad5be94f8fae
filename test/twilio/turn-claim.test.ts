// One turn sent to two instances of one database at once (a retry landing elsewhere): one computes it, both answer alike, the call counts it once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findCustomerByPhone } from '../../src/booking/customers-repo.ts';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { databaseBackends } from '../helpers/database-backends.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

for (const backend of databaseBackends) {
  describe(`one voice turn on two instances, on ${backend.name}`, { skip: backend.skip }, () => {
    let standIn: LlmStandIn;
    let db: Db;
    let drop: () => Promise<void>;
    let servers: TestServer[] = [];

    before(async () => {
      standIn = await startLlmStandIn();
      ({ db, drop } = await backend.open());
      const env = testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN });
      servers = [await startTestServer(env, { db }), await startTestServer(env, { db })];
    });
    after(async () => {
      for (const server of servers) await server.close();
      await drop?.();
      await standIn?.close();
    });

    async function sayOnBoth(call: PhoneCall, turn: number, speech: string): Promise<string[]> {
      const elsewhere = Object.assign(new PhoneCall(servers[1]!.url), { sid: call.sid, account: call.account });
      const heard = await Promise.all([call.say(`/twilio/voice?turn=${turn}`, speech), elsewhere.say(`/twilio/voice?turn=${turn}`, speech)]);
      return heard.map((one) => one.raw);
    }

    it('opens a call never seen before once, computes its first turn once, and counts the caller once', async () => {
      const call = new PhoneCall(servers[0]!.url, '+14155557001');
      standIn.enqueue({ hangMs: 300, text: 'We open at eight.' });
      const [first, second] = await sayOnBoth(call, 1, 'When do you open?');
      assert.equal(first, second);
      assert.match(first!, /We open at eight\./);
      assert.equal(standIn.requests.length, 1);
      const conversation = await findCallConversation(db, call.sid);
      assert.deepEqual((await loadRecentMessages(db, conversation!.id, 10)).map((row) => row.text), ['When do you open?', 'We open at eight.']);
      assert.equal((await findCustomerByPhone(db, call.from))?.conversationCount, 1);
    });

    it('keeps a continuing call to one copy of each turn', async () => {
      const call = new PhoneCall(servers[0]!.url, '+14155557002');
      await call.start();
      standIn.reset();
      standIn.enqueue({ hangMs: 300, text: 'Yes, we do.' });
      const [first, second] = await sayOnBoth(call, 1, 'Do you do whitening?');
      assert.equal(first, second);
      standIn.enqueue({ text: 'Forty euros.' });
      const [third, fourth] = await sayOnBoth(call, 2, 'How much?');
      assert.equal(third, fourth);
      assert.equal(standIn.requests.length, 2);
      const conversation = await findCallConversation(db, call.sid);
      const texts = (await loadRecentMessages(db, conversation!.id, 10)).map((row) => row.text);
      assert.deepEqual(texts.slice(1), ['Do you do whitening?', 'Yes, we do.', 'How much?', 'Forty euros.']);
      assert.equal((await findCustomerByPhone(db, call.from))?.conversationCount, 1);
    });
  });
}
