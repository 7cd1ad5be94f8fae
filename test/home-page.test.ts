// GET /: says what the server is and links its documentation, with nothing loaded from elsewhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testEnv, type TestServer } from './helpers/test-app.ts';

describe('GET /', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(testEnv(null));
  });
  after(() => server.close());

  it('is a small HTML page naming the server and linking /docs, /health and /ready', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    const page = await response.text();
    assert.match(page, /<title>phone-assistant<\/title>/);
    assert.match(page, /AI receptionist for phone calls and text messages/);
    for (const target of ['docs', 'health', 'ready']) {
      assert.match(page, new RegExp(`<a href="${target}">`));
      assert.equal((await fetch(new URL(target, `${server.url}/`))).status === 404, false, `${target} resolves to a route`);
    }
  });

  it('loads nothing from elsewhere', async () => {
    const response = await fetch(`${server.url}/`);
    const page = await response.text();
    assert.doesNotMatch(page, /(src|href)="(https?:)?\/\//);
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
  });
});
