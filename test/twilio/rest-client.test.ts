// The official twilio library, re-pointed by TWILIO_API_BASE_URL, against a loopback stand-in of Twilio's REST API.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createSmsSender, createTwilioRestClient } from '../../src/twilio/rest-client.ts';
import { startTwilioRestStandIn, type TwilioRestStandIn } from '../helpers/twilio-rest-stand-in.ts';

describe('Twilio REST client', () => {
  let twilioApi: TwilioRestStandIn;
  before(async () => {
    twilioApi = await startTwilioRestStandIn();
  });
  after(async () => twilioApi.close());
  beforeEach(() => {
    twilioApi.requests.length = 0;
  });

  const client = (overrides: { authToken?: string } = {}) =>
    createTwilioRestClient({ accountSid: twilioApi.accountSid, authToken: overrides.authToken ?? twilioApi.authToken, apiBaseUrl: twilioApi.url, timeoutMs: 5_000 });

  it('sends a text message with the account credentials to the configured base URL', async () => {
    const sent = await createSmsSender(client(), '+14155550199').sendSms('+421905123456', 'Ahoj, potvrdenie termínu');
    assert.match(sent.sid, /^SM[0-9a-f]{32}$/);
    assert.deepEqual(twilioApi.requests.map((r) => [r.method, r.path, r.account]), [['POST', `/2010-04-01/Accounts/${twilioApi.accountSid}/Messages.json`, twilioApi.accountSid]]);
    assert.deepEqual(twilioApi.requests[0]?.form, { To: '+421905123456', From: '+14155550199', Body: 'Ahoj, potvrdenie termínu' });
  });

  it("rejects with Twilio's error code and status when Twilio refuses", async () => {
    twilioApi.failNext({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    await assert.rejects(createSmsSender(client(), '+14155550199').sendSms('+421905123456', 'x'), (error: { status?: number; code?: number }) => {
      assert.equal(error.status, 400);
      assert.equal(error.code, 21211);
      return true;
    });
    await assert.rejects(createSmsSender(client({ authToken: 'f'.repeat(32) }), '+14155550199').sendSms('+421905123456', 'x'), (error: { status?: number }) => error.status === 401);
  });

  it('rejects when the connection drops', async () => {
    twilioApi.failNext({ drop: true });
    await assert.rejects(createSmsSender(client(), '+14155550199').sendSms('+421905123456', 'x'));
  });
});
