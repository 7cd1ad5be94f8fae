// The dashboard's locks over real HTTP: sign-in, wrong passwords and their limit, sessions, CSRF, cookie flags, escaping, CSP.
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { listCallbackRequests } from '../../src/db/callbacks-repo.ts';
import { DashboardVisitor, TEST_DASHBOARD_PASSWORD } from '../helpers/dashboard-client.ts';
import { seedDashboard, type Seeded } from '../helpers/dashboard-seed.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

const dashboardEnv = (extra: Record<string, string> = {}) => testEnv(null, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD, ...extra });

function pagePaths(seeded: Seeded): string[] {
  return [
    '/',
    '/dashboard/conversations',
    `/dashboard/conversations/${seeded.callId}`,
    '/dashboard/messages',
    '/dashboard/customers',
    `/dashboard/customers/${seeded.customerId}`,
    '/dashboard/appointments',
    '/dashboard/knowledge',
    '/dashboard/settings',
    '/dashboard/try',
  ];
}

describe('dashboard security', () => {
  let server: TestServer;
  let seeded: Seeded;
  before(async () => {
    server = await startTestServer(dashboardEnv());
    seeded = await seedDashboard(server.db);
  });
  after(() => server.close());

  it('shows no page, fragment or stream without a session', async () => {
    const stranger = new DashboardVisitor(server.url);
    for (const path of pagePaths(seeded)) {
      const page = await stranger.get(path);
      assert.equal(page.status, 303, path);
      assert.equal(page.headers.get('location'), '/dashboard/sign-in', path);
      assert.doesNotMatch(page.text, /Nováková|invoice/, path);
      // What the live view's script fetches: refused outright.
      const fragment = await stranger.get(path, { 'x-dashboard-fetch': '1' });
      assert.equal(fragment.status, 401, path);
      assert.doesNotMatch(fragment.text, /Nováková|invoice/, path);
    }
    const stream = await stranger.get('/dashboard/live', { accept: 'text/event-stream' });
    assert.equal(stream.status, 401);
  });

  it('changes nothing without a session', async () => {
    const stranger = new DashboardVisitor(server.url);
    const signInPage = await stranger.get('/dashboard/sign-in');
    // Even with a valid CSRF token from the sign-in page, a state change needs a signed-in session.
    const marked = await stranger.post(`/dashboard/messages/${seeded.messageId}/handled`, { _csrf: DashboardVisitor.csrfOf(signInPage.text) });
    assert.equal(marked.status, 401);
    const open = await listCallbackRequests(server.db, { handled: false }, { limit: 10 });
    assert.ok(open.items.some((m) => m.id === seeded.messageId));
  });

  it('refuses a wrong password and keeps the visitor signed out', async () => {
    const visitor = new DashboardVisitor(server.url);
    const wrong = await visitor.signIn('not-the-password');
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /That password is not right/);
    assert.equal((await visitor.get('/')).status, 303);
  });

  it('signs in with the password, with an HttpOnly SameSite=Strict cookie, and signs out', async () => {
    const owner = new DashboardVisitor(server.url);
    const signedIn = await owner.signIn();
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/');
    const cookie = owner.lastSetCookie ?? '';
    assert.match(cookie, /^pa_session=/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /; Secure/, 'not Secure over plain http (PUBLIC_URL unset)');
    const today = await owner.get('/');
    assert.equal(today.status, 200);
    const out = await owner.post('/dashboard/sign-out', { _csrf: DashboardVisitor.csrfOf(today.text) });
    assert.equal(out.status, 303);
    assert.equal((await owner.get('/')).status, 303);
  });

  it('requires the CSRF token on every state change', async () => {
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    const page = await owner.get('/dashboard/messages');
    const token = DashboardVisitor.csrfOf(page.text);
    const changes: [string, Record<string, string>][] = [
      [`/dashboard/messages/${seeded.messageId}/handled`, {}],
      ['/dashboard/try', { text: 'hello' }],
      ['/dashboard/language', { language: 'sk' }],
      ['/dashboard/sign-out', {}],
    ];
    for (const [path, form] of changes) {
      const refused = await owner.post(path, form);
      assert.equal(refused.status, 403, `${path} without a token`);
      assert.match(refused.text, /This page has expired/);
      assert.equal((await owner.post(path, { ...form, _csrf: `${token}x` })).status, 403, `${path} with a wrong token`);
    }
    const upload = new FormData();
    upload.set('file', new Blob(['# Parking\nFree parking behind the building.'], { type: 'text/markdown' }), 'parking.md');
    assert.equal((await owner.request('POST', '/dashboard/knowledge', { body: upload })).status, 403, 'upload without a token');
    assert.equal((await server.knowledge.list()).length, 0);
    const open = await listCallbackRequests(server.db, { handled: false }, { limit: 10 });
    assert.ok(open.items.some((m) => m.id === seeded.messageId), 'still open');
    // Still signed in: the refused sign-out did nothing.
    assert.equal((await owner.get('/')).status, 200);
  });

  it('renders a transcript holding markup as text, under a CSP without inline scripts', async () => {
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    const page = await owner.get(`/dashboard/conversations/${seeded.hostileId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /&lt;script&gt;window.__pwned = true&lt;\/script&gt;&lt;img src=x onerror=&quot;window.__pwned = true&quot;&gt;/);
    assert.doesNotMatch(page.text, /<script>window/);
    assert.doesNotMatch(page.text, /<img src=x/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
  });

  it('leaves the /v1 bearer API as it was', async () => {
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    // A dashboard session is no API key.
    assert.equal((await owner.get('/v1/calls')).status, 401);
    // Pages are not part of the API's document.
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.paths).filter((path) => path === '/' || path.startsWith('/dashboard')), []);
  });
});

describe('dashboard sign-in limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(dashboardEnv());
  });
  after(() => server.close());

  it('refuses even the right password after ten attempts a minute from one address', async () => {
    const visitor = new DashboardVisitor(server.url);
    for (let attempt = 1; attempt <= 10; attempt++) assert.equal((await visitor.signIn(`wrong-${attempt}`)).status, 401);
    const limited = await visitor.signIn();
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal((await visitor.get('/')).status, 303);
  });
});

describe('dashboard behind https', () => {
  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    const server = await startTestServer(dashboardEnv({ PUBLIC_URL: 'https://assistant.example.com' }));
    try {
      const owner = new DashboardVisitor(server.url);
      await owner.signIn();
      assert.match(owner.lastSetCookie ?? '', /; Secure/);
    } finally {
      await server.close();
    }
  });
});

describe('dashboard off', () => {
  it('says how to turn it on and shows nothing else', async () => {
    const server = await startTestServer(testEnv(null));
    try {
      await seedDashboard(server.db);
      const home = await fetch(`${server.url}/`);
      const text = await home.text();
      assert.equal(home.status, 200);
      assert.match(text, /set <code>DASHBOARD_PASSWORD<\/code>/);
      for (const path of ['/dashboard/messages', '/dashboard/sign-in', '/dashboard/live']) {
        const page = await fetch(`${server.url}${path}`);
        const body = await page.text();
        assert.equal(page.status, 404, path);
        assert.match(body, /DASHBOARD_PASSWORD/, path);
        assert.doesNotMatch(body, /Nováková|invoice/, path);
      }
    } finally {
      await server.close();
    }
  });
});

describe('dashboard password settings', () => {
  it('signs in against DASHBOARD_PASSWORD_HASH (scrypt), which wins over DASHBOARD_PASSWORD', async () => {
    const salt = randomBytes(16);
    const hash = `scrypt:${salt.toString('hex')}:${scryptSync('hashed-password-1', salt, 32).toString('hex')}`;
    const server = await startTestServer(dashboardEnv({ DASHBOARD_PASSWORD_HASH: hash }));
    try {
      assert.equal((await new DashboardVisitor(server.url).signIn(TEST_DASHBOARD_PASSWORD)).status, 401);
      assert.equal((await new DashboardVisitor(server.url).signIn('hashed-password-1')).status, 303);
    } finally {
      await server.close();
    }
  });

  it('keeps the session key in DATA_DIR, and ends sessions when the password changes', async () => {
    const first = await startTestServer(dashboardEnv());
    const owner = new DashboardVisitor(first.url);
    await owner.signIn();
    await first.close();
    const dataDir = first.config.database.dataDir;
    // The same key file: the session is still good after a restart.
    const restarted = await startTestServer(dashboardEnv({ DATA_DIR: dataDir }));
    try {
      const again = new DashboardVisitor(restarted.url);
      again.useCookieOf(owner);
      assert.equal((await again.get('/')).status, 200);
    } finally {
      await restarted.close();
    }
    const changed = await startTestServer(dashboardEnv({ DATA_DIR: dataDir, DASHBOARD_PASSWORD: 'a-new-password-456' }));
    try {
      const stale = new DashboardVisitor(changed.url);
      stale.useCookieOf(owner);
      assert.equal((await stale.get('/')).status, 303);
    } finally {
      await changed.close();
    }
  });
});
