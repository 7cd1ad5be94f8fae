// Fuzzes the four Twilio webhooks over real HTTP with hostile text in, from the model and in odd bodies: never a 5xx, always valid TwiML.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import twilio from 'twilio';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, callSid, messageSid, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { fuzzParameters, hostileText, NASTY_PIECES, shortHostileText } from './hostile-text.ts';

const ROUTES = ['/twilio/incoming', '/twilio/voice', '/twilio/status', '/twilio/sms'] as const;
type Route = (typeof ROUTES)[number];
const FORM = 'application/x-www-form-urlencoded';

type FormParams = Record<string, string | string[]>;

interface Sent {
  status: number;
  contentType: string;
  text: string;
}

/** POSTs `body` to `target`, signing `signedParams` (the form as the server will decode it) when asked. */
async function post(server: TestServer, target: string, init: { contentType: string; body: string; signedParams?: FormParams; signature?: string }): Promise<Sent> {
  const url = server.url + target;
  const headers: Record<string, string> = {};
  if (init.contentType !== '') headers['content-type'] = init.contentType;
  const signature = init.signature ?? (init.signedParams ? twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, url, init.signedParams) : undefined);
  if (signature !== undefined) headers['x-twilio-signature'] = signature;
  const response = await fetch(url, { method: 'POST', headers, body: init.body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

function formBody(params: FormParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const item of [value].flat()) form.append(key, item);
  return form.toString();
}

/** What the server decodes from a form: a form carries UTF-8, so a lone surrogate arrives as U+FFFD. */
function asDecoded(params: FormParams): FormParams {
  const wellFormed = (value: string) => value.toWellFormed();
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [wellFormed(key), Array.isArray(value) ? value.map(wellFormed) : wellFormed(value)]));
}

/** The smallest valid payload of each route: what Twilio sends. */
function basePayload(route: Route, caller: string): Record<string, string> {
  if (route === '/twilio/sms') return { MessageSid: messageSid(), AccountSid: accountSid(), From: caller, To: '+14155550199', Body: 'hi' };
  const call = { CallSid: callSid(), AccountSid: accountSid(), From: caller, To: '+14155550199', CallStatus: 'in-progress' };
  if (route === '/twilio/status') return { ...call, CallStatus: 'completed', CallDuration: '3' };
  return call;
}

const TEXT_FIELD: Record<Route, string> = {
  '/twilio/incoming': 'Direction',
  '/twilio/voice': 'SpeechResult',
  '/twilio/status': 'Direction',
  '/twilio/sms': 'Body',
};

// Fields with a strict shape: hostile text there must be a 422, never a 5xx.
const STRICT_FIELDS = ['CallSid', 'MessageSid', 'AccountSid', 'From', 'To', 'CallStatus', 'CallDuration', 'Confidence', 'Digits'] as const;

// Query pieces sent byte for byte: percent-escapes of a lone surrogate, invalid UTF-8, a stray '%'.
const RAW_QUERY = ['', '&x=%ED%A0%80', '&x=%FF%FE', '&x=%', '&x=%EF%BF%BF', '&turn=2'] as const;

const caller = fc.integer({ min: 1_000_000, max: 9_999_999 }).map((n) => `+1415${n}`);

/** `arbitrary` one time in `outOf`, null otherwise. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, outOf: number) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: outOf - 1 }, { arbitrary, weight: 1 });

/** A signed, form-encoded webhook whose text fields are hostile, sometimes with a hostile strict field, extra key, repeated key or query. */
const webhookRequest = fc.record({
  route: fc.constantFrom(...ROUTES),
  caller,
  text: hostileText,
  strict: sometimes(fc.tuple(fc.constantFrom(...STRICT_FIELDS), hostileText), 6),
  extra: sometimes(fc.tuple(shortHostileText, hostileText), 3),
  repeatText: sometimes(fc.constant(true), 8),
  // Short: a request line longer than Node's header limit is refused (431) before any of our code runs.
  query: sometimes(shortHostileText, 2),
  rawQuery: fc.constantFrom(...RAW_QUERY),
  modelReply: hostileText,
  signing: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'valid', 'none', 'wrong'),
});

type WebhookRequest = typeof webhookRequest extends fc.Arbitrary<infer T> ? T : never;

function buildWebhook(request: WebhookRequest): { target: string; params: FormParams; strictlyValid: boolean } {
  const params: FormParams = basePayload(request.route, request.caller);
  const textField = TEXT_FIELD[request.route];
  params[textField] = request.repeatText ? [request.text, 'again'] : request.text;
  if (request.strict) params[request.strict[0]] = request.strict[1];
  if (request.extra) params[`X${request.extra[0]}`] = request.extra[1];
  const query = new URLSearchParams(request.route === '/twilio/voice' ? { turn: '1' } : {});
  if (request.query !== null) query.set('q', request.query);
  const search = `${query}${request.rawQuery}`.replace(/^&/, '');
  const target = `${request.route}${search ? `?${search}` : ''}`;
  // Shapes the schemas must accept: hostile text only where Twilio sends free text.
  const strictlyValid = request.repeatText === null && request.strict === null && request.signing === 'valid' && request.rawQuery !== '&turn=2';
  return { target, params, strictlyValid };
}

/** A TwiML answer a strict XML reader accepts, with nothing XML 1.0 forbids. */
function assertValidTwiml(text: string): void {
  assert.ok(text.isWellFormed(), 'lone surrogate in TwiML');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  assert.ok(!/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(text), 'character XML 1.0 forbids in TwiML');
  assert.equal(XMLValidator.validate(text), true, text.slice(0, 200));
}

describe('fuzzing the Twilio webhooks over HTTP', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  let modelCalls = 0;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(
      testEnv(standIn, 'openai', {
        TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
        // Every fuzzed turn reaches the model instead of the polite limit.
        RATE_LIMIT_CALLER_PER_MINUTE: '100000',
      }),
    );
  });
  after(async () => {
    await server?.close();
    await standIn?.close();
  });

  it('hostile text in form fields, query strings and model replies: no 5xx, valid TwiML, accepted where Twilio would send it', async () => {
    await fc.assert(
      fc.asyncProperty(webhookRequest, async (request) => {
        modelCalls += standIn.requests.length;
        standIn.reset();
        // Whatever the model is asked during this request (or a voice turn still finishing), it answers hostile text.
        standIn.setFallbackReply({ text: request.modelReply });
        const { target, params, strictlyValid } = buildWebhook(request);
        const sent = await post(server, target, {
          contentType: FORM,
          body: formBody(params),
          signedParams: request.signing === 'none' ? undefined : asDecoded(params),
          signature: request.signing === 'wrong' ? 'bm90IGEgc2lnbmF0dXJl' : undefined,
        });
        assert.ok(sent.status < 500, `${sent.status} on ${request.route}: ${sent.text.slice(0, 300)}`);
        if (strictlyValid) assert.ok(sent.status === 200 || sent.status === 204, `${sent.status} on ${request.route}: ${sent.text.slice(0, 300)}`);
        if (sent.contentType.startsWith('text/xml')) assertValidTwiml(sent.text);
      }),
      fuzzParameters(120),
    );
    modelCalls += standIn.requests.length;
    assert.ok(modelCalls > 10, `the model was asked only ${modelCalls} times: the reply path was not fuzzed`);
  });

  it('every character a form can carry, alone, in each text field: accepted', async () => {
    for (const route of ROUTES) {
      for (const piece of NASTY_PIECES) {
        standIn.reset();
        standIn.setFallbackReply({ text: `reply ${piece} ${piece.repeat(3)}` });
        const params = { ...basePayload(route, '+14155551234'), [TEXT_FIELD[route]]: `say ${piece} now` };
        const sent = await post(server, route === '/twilio/voice' ? `${route}?turn=1` : route, { contentType: FORM, body: formBody(params), signedParams: asDecoded(params) });
        assert.ok(sent.status === 200 || sent.status === 204, `${sent.status} on ${route} with ${JSON.stringify(piece)}: ${sent.text.slice(0, 300)}`);
        if (sent.contentType.startsWith('text/xml')) assertValidTwiml(sent.text);
      }
    }
  });

  it('an SMS reply with an emoji at every position around 1,600 units renders whole', async () => {
    for (let at = 1594; at <= 1601; at += 1) {
      standIn.reset();
      standIn.setFallbackReply({ text: `${'a'.repeat(at)}😀👍🏽 and the rest` });
      const params = basePayload('/twilio/sms', '+14155551234');
      const sent = await post(server, '/twilio/sms', { contentType: FORM, body: formBody(params), signedParams: params });
      assert.equal(sent.status, 200, `emoji at ${at}: ${sent.text.slice(0, 200)}`);
      assertValidTwiml(sent.text);
    }
  });
});

describe('bodies Twilio never sends, on /twilio/*', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
  });
  after(() => server?.close());

  const UNSIGNED_JSON = JSON.stringify({ CallSid: { toString: 1 }, From: ['+14155551234'], To: null, n: 1, nested: { a: { b: [] } } });

  for (const route of ROUTES) {
    it(`${route}: JSON, text, XML, multipart and no content type get 415 before the signature is checked`, async () => {
      const target = route === '/twilio/voice' ? `${route}?turn=1` : route;
      for (const contentType of ['application/json', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', '', 'application/x-www-form-urlencoded-x']) {
        for (const signature of [undefined, 'bm90IGEgc2lnbmF0dXJl']) {
          const sent = await post(server, target, { contentType, body: UNSIGNED_JSON, signature });
          assert.equal(sent.status, 415, `${contentType || '(none)'} signed=${signature !== undefined}: ${sent.status} ${sent.text}`);
          assert.deepEqual(JSON.parse(sent.text), {
            error: 'unsupported_media_type',
            message: 'Twilio webhooks are form-encoded: send Content-Type: application/x-www-form-urlencoded.',
          });
        }
      }
    });
  }

  it('accepts the form content type in any case and with parameters', async () => {
    for (const contentType of ['application/x-www-form-urlencoded; charset=UTF-8', 'Application/X-WWW-Form-Urlencoded']) {
      const params = basePayload('/twilio/status', '+14155551234');
      const sent = await post(server, '/twilio/status', { contentType, body: formBody(params), signedParams: params });
      assert.equal(sent.status, 204, `${contentType}: ${sent.text}`);
    }
  });

  it('odd bodies and content types, fuzzed: never a 5xx', async () => {
    const contentType = fc.constantFrom(FORM, 'application/json', 'text/plain', '', 'application/octet-stream', `${FORM}; charset=iso-8859-1`, 'multipart/form-data');
    const body = fc.oneof(
      hostileText,
      fc.json(),
      hostileText.map((text) => `Body=${text}&Body=%ED%A0%80&From=%FF&=&&%`),
      fc.constant(`Body=${'x'.repeat(2 * 1024 * 1024)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), contentType, body, fc.boolean(), async (route, type, text, signed) => {
        const sent = await post(server, route, { contentType: type, body: text, signature: signed ? 'bm90IGEgc2lnbmF0dXJl' : undefined });
        assert.ok(sent.status < 500, `${sent.status} on ${route} (${type}): ${sent.text.slice(0, 300)}`);
      }),
      fuzzParameters(60),
    );
  });
});
