// X-Twilio-Signature: Twilio's published vectors, then the hook over real HTTP (proxies, PUBLIC_URL, ports).
import assert from 'node:assert/strict';
import { IncomingMessage, request as httpRequest } from 'node:http';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import pino from 'pino';
import twilio from 'twilio';
import { registerErrorHandler } from '../../src/ops/error-handler.ts';
import { incomingCallSchema } from '../../src/twilio/payloads.ts';
import fc from 'fast-check';
import { isTwilioSignatureValid, twilioRequestUrl, verifyTwilioSignature, type TwilioSignatureOptions } from '../../src/twilio/signature.ts';
import { accountSid, callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// From twilio-node's own test suite (spec/validation.spec.js), which signs Twilio's documented example.
const VECTOR = {
  token: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
  signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
  // The same request signed over the URL with the default port spelled out.
  signatureWithPort443: 'kvajT1Ptam85bY51eRf/AJRuM3w=',
  specialQuery: "&Body=It's+amazing",
  specialSignature: 'dsq4Ehbj6cs+KdTkpF5sSSplOWw=',
  arrayParams: { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] },
  arraySignature: '83O6e2vORAoJHUNzJjDWN1jz+BA=',
};
// The example on Twilio's webhook security page (twilio.com/docs/usage/webhooks/webhooks-security).
const DOCS_VECTOR = {
  params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' },
  signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
};

const VOICE_403 = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>We could not verify this request.</Say></Response>';

interface TinyApp {
  url: string;
  logLines: string[];
  /** How many times a route handler ran: a refused request must never reach one. */
  handled: () => number;
  close(): Promise<void>;
}

/** formbody plus the hook on a /twilio scope, like the real app; routes echo 200. */
async function startTinyApp(options: TwilioSignatureOptions, extraPaths: string[] = []): Promise<TinyApp> {
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  // An asynchronous onSend hook delays the end of a reply; the refusal must still stop the handler.
  app.addHook('onSend', async (_request, _reply, payload) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return payload;
  });
  let handled = 0;
  await app.register(formbody);
  await app.register(async (scope) => {
    scope.addHook('preValidation', verifyTwilioSignature(options));
    for (const path of ['/twilio/voice', '/twilio/sms', '/twilio/status', ...extraPaths]) {
      scope.post(path, async () => {
        handled += 1;
        return { ok: true };
      });
    }
    // A schema-validated route: an unsigned invalid body must be refused as unsigned, not as invalid.
    scope.post('/twilio/incoming', { schema: { body: incomingCallSchema } }, async () => {
      handled += 1;
      return { ok: true };
    });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, logLines, handled: () => handled, close: () => app.close() };
}

/** POST with the request target sent byte for byte (fetch would percent-encode some characters). */
function rawPost(baseUrl: string, target: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, method: 'POST', path: target, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function formBody(params: Record<string, string | string[]>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const item of [value].flat()) form.append(key, item);
  return form.toString();
}

function callParams(): Record<string, string> {
  return { CallSid: callSid(), AccountSid: accountSid(), From: '+14155551234', To: '+14155550000', CallStatus: 'ringing' };
}

describe("Twilio's published signature vectors", () => {
  it('the official library produces and accepts them', () => {
    assert.equal(twilio.getExpectedTwilioSignature(VECTOR.token, VECTOR.url, VECTOR.params), VECTOR.signature);
    assert.equal(twilio.validateRequest(VECTOR.token, VECTOR.signature, VECTOR.url, VECTOR.params), true);
    assert.equal(twilio.getExpectedTwilioSignature(VECTOR.token, VECTOR.url, DOCS_VECTOR.params), DOCS_VECTOR.signature);
    assert.equal(twilio.validateRequest(VECTOR.token, DOCS_VECTOR.signature, VECTOR.url, DOCS_VECTOR.params), true);
    assert.equal(twilio.validateRequest(VECTOR.token, VECTOR.signatureWithPort443, VECTOR.url, VECTOR.params), true);
    assert.equal(twilio.validateRequest(VECTOR.token, VECTOR.specialSignature, VECTOR.url + VECTOR.specialQuery, VECTOR.params), true);
    assert.equal(twilio.validateRequest(VECTOR.token, VECTOR.arraySignature, VECTOR.url, VECTOR.arrayParams), true);
  });

  it('the official library refuses a wrong signature, token, parameter or URL', () => {
    assert.equal(twilio.validateRequest(VECTOR.token, 'WRONG_SIGNATURE', VECTOR.url, VECTOR.params), false);
    assert.equal(twilio.validateRequest('54321', VECTOR.signature, VECTOR.url, VECTOR.params), false);
    assert.equal(twilio.validateRequest(VECTOR.token, VECTOR.signature, VECTOR.url, { ...VECTOR.params, Digits: '9999' }), false);
    assert.equal(twilio.validateRequest(VECTOR.token, VECTOR.signature, `${VECTOR.url}&x=1`, VECTOR.params), false);
  });

  describe('through our hook, with PUBLIC_URL https://mycompany.com', () => {
    let app: TinyApp;
    before(async () => {
      app = await startTinyApp({ authToken: VECTOR.token, publicUrl: 'https://mycompany.com', trustProxy: false }, ['/myapp.php']);
    });
    after(() => app.close());

    const cases: Array<[string, string, Record<string, string | string[]>, string]> = [
      ['the documented example', '/myapp.php?foo=1&bar=2', VECTOR.params, VECTOR.signature],
      ["Twilio's docs page example", '/myapp.php?foo=1&bar=2', DOCS_VECTOR.params, DOCS_VECTOR.signature],
      ['a signature over the URL with :443', '/myapp.php?foo=1&bar=2', VECTOR.params, VECTOR.signatureWithPort443],
      ['an unescaped quote in the query', `/myapp.php?foo=1&bar=2${VECTOR.specialQuery}`, VECTOR.params, VECTOR.specialSignature],
      ['a repeated parameter', '/myapp.php?foo=1&bar=2', VECTOR.arrayParams, VECTOR.arraySignature],
    ];
    for (const [name, target, params, signature] of cases) {
      it(`accepts ${name}`, async () => {
        const response = await rawPost(app.url, target, formBody(params), { 'x-twilio-signature': signature });
        assert.equal(response.status, 200, response.text);
      });
    }

    it('refuses the documented signature with a changed parameter', async () => {
      const response = await rawPost(app.url, '/myapp.php?foo=1&bar=2', formBody({ ...VECTOR.params, Digits: '9999' }), {
        'x-twilio-signature': VECTOR.signature,
      });
      assert.equal(response.status, 403);
    });
  });
});

describe('twilioRequestUrl', () => {
  function fakeRequest(target: string, headers: Record<string, string>): { raw: IncomingMessage } {
    const raw = new IncomingMessage(new Socket());
    raw.url = target;
    raw.headers = headers;
    return { raw };
  }

  it('joins PUBLIC_URL with the raw target, ignoring Host and forwarded headers', () => {
    const request = fakeRequest('/twilio/voice?a=%20b', { host: 'internal:3000', 'x-forwarded-host': 'evil.example' });
    assert.equal(twilioRequestUrl(request, { publicUrl: 'https://pa.example.com/', trustProxy: true }), 'https://pa.example.com/twilio/voice?a=%20b');
  });

  it('uses the first forwarded scheme and host only with TRUST_PROXY', () => {
    const request = fakeRequest('/twilio/sms', { host: 'internal:3000', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'pa.example.com, lb.internal' });
    assert.equal(twilioRequestUrl(request, { publicUrl: undefined, trustProxy: true }), 'https://pa.example.com/twilio/sms');
    assert.equal(twilioRequestUrl(request, { publicUrl: undefined, trustProxy: false }), 'http://internal:3000/twilio/sms');
  });

  it('falls back to the own scheme and Host when a forwarded header is missing', () => {
    const request = fakeRequest('/twilio/sms', { host: 'internal:3000', 'x-forwarded-proto': 'https' });
    assert.equal(twilioRequestUrl(request, { publicUrl: undefined, trustProxy: true }), 'https://internal:3000/twilio/sms');
  });
});

describe('verifyTwilioSignature over HTTP', () => {
  describe('without PUBLIC_URL or a proxy', () => {
    let app: TinyApp;
    before(async () => {
      app = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: undefined, trustProxy: false });
    });
    after(() => app.close());

    it('accepts a valid signature on every route', async () => {
      for (const path of ['/twilio/voice', '/twilio/sms', '/twilio/status', '/twilio/incoming']) {
        const response = await signedPost(app.url, `${path}?attempt=1`, callParams());
        assert.equal(response.status, 200, `${path}: ${response.text}`);
      }
    });

    it('answers a missing signature on /twilio/voice with TwiML', async () => {
      const handledBefore = app.handled();
      const response = await signedPost(app.url, '/twilio/voice', callParams(), { unsigned: true });
      assert.equal(response.status, 403);
      assert.match(response.contentType ?? '', /^text\/xml/);
      assert.equal(response.text, VOICE_403);
      assert.equal(app.handled(), handledBefore);
    });

    it('answers a missing signature elsewhere with JSON', async () => {
      for (const path of ['/twilio/sms', '/twilio/status']) {
        const response = await signedPost(app.url, path, callParams(), { unsigned: true });
        assert.equal(response.status, 403);
        assert.match(response.contentType ?? '', /^application\/json/);
        assert.deepEqual(JSON.parse(response.text), { error: 'forbidden', message: 'Invalid Twilio signature' });
      }
    });

    it('refuses an unsigned invalid body with 403, not 422', async () => {
      const response = await signedPost(app.url, '/twilio/incoming', { CallSid: 'nonsense' }, { unsigned: true });
      assert.equal(response.status, 403);
      const signed = await signedPost(app.url, '/twilio/incoming', { CallSid: 'nonsense' });
      assert.equal(signed.status, 422);
    });

    it('refuses a tampered parameter', async () => {
      const handledBefore = app.handled();
      const params = callParams();
      const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, `${app.url}/twilio/voice`, params);
      const response = await signedPost(app.url, '/twilio/voice', { ...params, From: '+14155559999' }, { headers: { 'x-twilio-signature': signature } });
      assert.equal(response.status, 403);
      assert.equal(response.text, VOICE_403);
      assert.equal(app.handled(), handledBefore);
    });

    it('refuses an added parameter', async () => {
      const params = callParams();
      const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, `${app.url}/twilio/sms`, params);
      const response = await signedPost(app.url, '/twilio/sms', { ...params, Extra: '1' }, { headers: { 'x-twilio-signature': signature } });
      assert.equal(response.status, 403);
    });

    it('refuses a signature made with another token', async () => {
      const response = await signedPost(app.url, '/twilio/sms', callParams(), { authToken: 'ffffffffffffffffffffffffffffffff' });
      assert.equal(response.status, 403);
    });

    it('refuses a signature over another host, path or query', async () => {
      const params = callParams();
      for (const signedUrl of ['https://elsewhere.example/twilio/sms', `${app.url}/twilio/status`, `${app.url}/twilio/sms?x=1`]) {
        const response = await signedPost(app.url, '/twilio/sms', params, { signedUrl });
        assert.equal(response.status, 403, signedUrl);
      }
    });

    it('ignores forwarded headers when TRUST_PROXY is false', async () => {
      const response = await signedPost(app.url, '/twilio/sms', callParams(), {
        signedUrl: 'https://pa.example.com/twilio/sms',
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pa.example.com' },
      });
      assert.equal(response.status, 403);
    });

    it('logs the reason and path, never the token or the signature', async () => {
      const params = callParams();
      await signedPost(app.url, '/twilio/sms?secret=query', params, { unsigned: true });
      const wrongSignature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, 'https://elsewhere.example/twilio/status', params);
      await signedPost(app.url, '/twilio/status', params, { headers: { 'x-twilio-signature': wrongSignature } });
      const warnings = app.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === 40);
      assert.ok(warnings.some((entry) => entry.reason === 'missing X-Twilio-Signature' && entry.path === '/twilio/sms'));
      assert.ok(warnings.some((entry) => entry.reason === 'signature mismatch' && entry.path === '/twilio/status'));
      const all = app.logLines.join('\n');
      assert.ok(!all.includes(TEST_TWILIO_TOKEN), 'token in logs');
      assert.ok(!all.includes(wrongSignature), 'signature in logs');
    });
  });

  describe('behind a proxy', () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pa.example.com' };

    it('accepts the forwarded scheme and host with TRUST_PROXY', async () => {
      const app = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: undefined, trustProxy: true });
      try {
        const response = await signedPost(app.url, '/twilio/incoming?lang=en', callParams(), { signedUrl: 'https://pa.example.com/twilio/incoming?lang=en', headers });
        assert.equal(response.status, 200, response.text);
        const chained = await signedPost(app.url, '/twilio/sms', callParams(), {
          signedUrl: 'https://pa.example.com/twilio/sms',
          headers: { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'pa.example.com, lb.internal' },
        });
        assert.equal(chained.status, 200, chained.text);
        const local = await signedPost(app.url, '/twilio/sms', callParams(), { headers });
        assert.equal(local.status, 403);
      } finally {
        await app.close();
      }
    });

    it('refuses the same request with TRUST_PROXY false', async () => {
      const app = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: undefined, trustProxy: false });
      try {
        const response = await signedPost(app.url, '/twilio/incoming?lang=en', callParams(), { signedUrl: 'https://pa.example.com/twilio/incoming?lang=en', headers });
        assert.equal(response.status, 403);
      } finally {
        await app.close();
      }
    });
  });

  describe('with PUBLIC_URL', () => {
    it('accepts a signature over PUBLIC_URL + path + query, refuses one over the local URL', async () => {
      const app = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: 'https://pa.example.com', trustProxy: true });
      try {
        const target = '/twilio/voice?attempt=2&lang=sk';
        const ok = await signedPost(app.url, target, callParams(), { signedUrl: `https://pa.example.com${target}` });
        assert.equal(ok.status, 200, ok.text);
        const local = await signedPost(app.url, target, callParams());
        assert.equal(local.status, 403);
        assert.equal(local.text, VOICE_403);
        // PUBLIC_URL wins over forwarded headers, even with TRUST_PROXY.
        const forwarded = await signedPost(app.url, target, callParams(), {
          signedUrl: `https://other.example.com${target}`,
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'other.example.com' },
        });
        assert.equal(forwarded.status, 403);
      } finally {
        await app.close();
      }
    });

    it('accepts the default https port written or left out, as the official validator does', async () => {
      const withPort = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: 'https://pa.example.com:443', trustProxy: false });
      const withoutPort = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: 'https://pa.example.com', trustProxy: false });
      try {
        const a = await signedPost(withPort.url, '/twilio/sms', callParams(), { signedUrl: 'https://pa.example.com/twilio/sms' });
        assert.equal(a.status, 200, a.text);
        const b = await signedPost(withPort.url, '/twilio/sms', callParams(), { signedUrl: 'https://pa.example.com:443/twilio/sms' });
        assert.equal(b.status, 200, b.text);
        const c = await signedPost(withoutPort.url, '/twilio/sms', callParams(), { signedUrl: 'https://pa.example.com:443/twilio/sms' });
        assert.equal(c.status, 200, c.text);
        const d = await signedPost(withoutPort.url, '/twilio/sms', callParams(), { signedUrl: 'https://pa.example.com:8443/twilio/sms' });
        assert.equal(d.status, 403);
      } finally {
        await withPort.close();
        await withoutPort.close();
      }
    });
  });

  describe('with validation disabled', () => {
    it('lets unsigned and wrongly signed requests through', async () => {
      const app = await startTinyApp({ authToken: null, publicUrl: undefined, trustProxy: false });
      try {
        assert.equal((await signedPost(app.url, '/twilio/voice', callParams(), { unsigned: true })).status, 200);
        assert.equal((await signedPost(app.url, '/twilio/sms', callParams(), { authToken: 'ffffffffffffffffffffffffffffffff' })).status, 200);
      } finally {
        await app.close();
      }
    });
  });
});

describe('isTwilioSignatureValid is total', () => {
  const url = 'https://pa.example.com/twilio/sms';

  it('answers true or false, never throws, for any body, signature and URL', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true }), fc.string(), fc.string(), (body, signature, anyUrl) => {
        assert.equal(typeof isTwilioSignatureValid(TEST_TWILIO_TOKEN, signature, anyUrl, body), 'boolean');
        assert.equal(typeof isTwilioSignatureValid(TEST_TWILIO_TOKEN, signature, url, body), 'boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses shapes no form parser makes, even where twilio.validateRequest would throw', () => {
    const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, url, {});
    for (const body of [
      { CallSid: { toString: 1 } },
      { CallSid: { toString: 1, valueOf: 1 } },
      { From: [{ toString: 1 }] },
      { From: ['+14155551234', { a: 1 }] },
      { n: 1 },
      { flag: true },
      { none: null },
      { nested: { a: { b: [] } } },
      'Body=hi',
      ['Body', 'hi'],
      42,
    ]) {
      assert.equal(isTwilioSignatureValid(TEST_TWILIO_TOKEN, signature, url, body), false, JSON.stringify(body));
    }
  });

  it('refuses a URL the validator cannot parse instead of throwing', () => {
    assert.throws(() => twilio.validateRequest(TEST_TWILIO_TOKEN, 'x', 'http://exa mple/twilio/sms', {}));
    assert.equal(isTwilioSignatureValid(TEST_TWILIO_TOKEN, 'x', 'http://exa mple/twilio/sms', {}), false);
  });

  it('accepts repeated keys, a null-prototype body, a huge value and odd keys when signed over them', () => {
    const huge = 'x'.repeat(1_000_000);
    const cases: Array<Record<string, string | string[]>> = [
      { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'], Body: ['b', 'a', 'b'] },
      Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries([['__proto__', 'x'], ['constructor', 'y'], ['', 'empty key']])),
      { Body: huge },
      { 'k\uFFFD': '\uFFFE\uFFFF', '😀': '' },
    ];
    for (const params of cases) {
      const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, url, params);
      assert.equal(isTwilioSignatureValid(TEST_TWILIO_TOKEN, signature, url, params), true, Object.keys(params).join(','));
      assert.equal(isTwilioSignatureValid(TEST_TWILIO_TOKEN, signature, `${url}?x=1`, params), false);
    }
  });

  describe('over HTTP, before any content-type rule', () => {
    let app: TinyApp;
    before(async () => {
      app = await startTinyApp({ authToken: TEST_TWILIO_TOKEN, publicUrl: undefined, trustProxy: false });
    });
    after(() => app.close());

    it('answers a JSON body with object values 403, not 500', async () => {
      for (const path of ['/twilio/sms', '/twilio/status', '/twilio/voice']) {
        const response = await rawPost(app.url, path, JSON.stringify({ CallSid: { toString: 1 }, From: [{}] }), {
          'content-type': 'application/json',
          'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
        });
        assert.equal(response.status, 403, `${path}: ${response.text}`);
      }
    });

    it('answers a Host header no URL parser accepts 403, not 500', async () => {
      const response = await rawPost(app.url, '/twilio/sms', formBody(callParams()), { host: 'exa mple', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' });
      assert.equal(response.status, 403, response.text);
    });

    it('accepts a signed form with repeated keys and a large value', async () => {
      const params = { ...callParams(), Repeated: ['b', 'a', 'b'], Large: 'y'.repeat(200_000) };
      const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, `${app.url}/twilio/sms`, params);
      const response = await rawPost(app.url, '/twilio/sms', formBody(params), { 'x-twilio-signature': signature });
      assert.equal(response.status, 200, response.text);
    });
  });
});
