// The dashboard in a real browser: signing in, every page over seeded data, handling a message, uploading, Try it, a call appearing live.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { insertCallbackRequest, listCallbackRequests } from '../../src/db/callbacks-repo.ts';
import { browserUnavailable, launchBrowser, type Browser } from '../helpers/browser.ts';
import { TEST_DASHBOARD_PASSWORD } from '../helpers/dashboard-client.ts';
import { HOSTILE_TEXT, SEED_NAME, seedDashboard, type Seeded } from '../helpers/dashboard-seed.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const unavailable = browserUnavailable();
if (unavailable) console.log(`# NOTE: ${unavailable}`);

describe('dashboard in chromium', { skip: unavailable ?? false }, () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  let browser: Browser;
  let seeded: Seeded;
  let page: Page;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD, TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
    seeded = await seedDashboard(server.db);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await standIn?.close();
  });
  beforeEach(async () => {
    standIn.reset();
    await browser.context.clearCookies();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });

  async function signIn(password = TEST_DASHBOARD_PASSWORD): Promise<void> {
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/dashboard\/sign-in$/);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }

  it('refuses a wrong password, then signs in and shows today', async () => {
    await signIn('not-the-password');
    await page.getByText('That password is not right.').waitFor();
    assert.match(page.url(), /\/dashboard\/sign-in$/);
    await page.getByLabel('Password').fill(TEST_DASHBOARD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await page.locator('#open-messages').getByText('Please call me back about the invoice.').waitFor();
  });

  it('renders the seeded business on every page', async () => {
    await signIn();
    const expectations: [string, string][] = [
      ['/dashboard/conversations', '+1*****0123'],
      [`/dashboard/conversations/${seeded.callId}`, 'You are booked for a check-up tomorrow morning.'],
      [`/dashboard/conversations/${seeded.callId}`, 'booked Check-up'],
      ['/dashboard/messages', 'Please call me back about the invoice.'],
      ['/dashboard/customers', SEED_NAME],
      [`/dashboard/customers/${seeded.customerId}`, 'Check-up'],
      [`/dashboard/appointments?week=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}`, SEED_NAME],
      ['/dashboard/settings', `${server.url}/twilio/incoming`],
      ['/dashboard/settings', `${server.url.replace(/^http/, 'ws')}/twilio/relay`],
      ['/dashboard/settings', `${server.url}/twilio/relay-ended`],
      ['/dashboard/knowledge', 'No documents yet'],
    ];
    for (const [path, text] of expectations) {
      await page.goto(`${server.url}${path}`);
      await page.getByText(text, { exact: false }).first().waitFor({ timeout: 5_000 });
    }
    // The number is masked until clicked.
    await page.goto(`${server.url}/dashboard/conversations/${seeded.callId}`);
    assert.equal(await page.getByRole('link', { name: '+14155550123' }).isVisible(), false);
    await page.getByText('+1*****0123').click();
    assert.equal(await page.getByRole('link', { name: '+14155550123' }).getAttribute('href'), 'tel:+14155550123');
  });

  it('shows a transcript holding markup as text and runs none of it', async () => {
    await signIn();
    await page.goto(`${server.url}/dashboard/conversations/${seeded.hostileId}`);
    await page.getByText(HOSTILE_TEXT).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned), undefined);
    assert.equal(await page.locator('main img').count(), 0);
  });

  it('finds conversations by the words said in them', async () => {
    await signIn();
    await page.goto(`${server.url}/dashboard/conversations`);
    await page.getByLabel('Words said').fill('check-up tomorrow');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=check-up/);
    const rows = page.locator('#conversation-list tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    await rows.first().getByRole('link').click();
    await page.getByText('You are booked for a check-up tomorrow morning.').waitFor();
    await page.goto(`${server.url}/dashboard/conversations?q=${encodeURIComponent('nobody said this')}`);
    await page.getByText('No conversation matches.').waitFor();
  });

  it('loads the first page as one HTML document and a few static files, 200 KB in all', async () => {
    await signIn();
    // As a first visit: nothing from earlier tests in the cache.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    const loaded: { url: string; type: string; bytes: number }[] = [];
    const onFinished = async (request: Request) => {
      const sizes = await request.sizes();
      loaded.push({ url: request.url(), type: request.resourceType(), bytes: sizes.responseBodySize + sizes.responseHeadersSize });
    };
    page.on('requestfinished', onFinished);
    try {
      await page.goto(`${server.url}/`, { waitUntil: 'load' });
      await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    } finally {
      page.off('requestfinished', onFinished);
      await cdp.detach();
    }
    const documents = loaded.filter((r) => r.type === 'document');
    // The live view's event stream never finishes loading, so it is not among them: it is no part of the page's weight.
    const others = loaded.filter((r) => r.type !== 'document');
    assert.equal(documents.length, 1, JSON.stringify(loaded));
    assert.ok(others.length <= 3, JSON.stringify(loaded));
    for (const file of others) assert.match(new URL(file.url).pathname, /^\/dashboard\/static\//, JSON.stringify(loaded));
    const total = loaded.reduce((sum, r) => sum + r.bytes, 0);
    assert.ok(total <= 200 * 1024, `${total} bytes: ${JSON.stringify(loaded)}`);
    console.log(`# first page: ${loaded.length} responses, ${total} bytes`);
  });

  it('marks a message handled', async () => {
    await signIn();
    await page.goto(`${server.url}/dashboard/messages`);
    const message = page.locator('li.message', { hasText: 'invoice' });
    await message.getByRole('button', { name: 'Mark handled' }).click();
    await page.getByText('Nobody is waiting for a call back.').waitFor();
    const open = await listCallbackRequests(server.db, { handled: false }, { limit: 10 });
    assert.equal(open.items.length, 0);
    await page.goto(`${server.url}/dashboard/messages?show=handled`);
    await page.locator('li.message', { hasText: 'invoice' }).getByText(/^Handled/).waitFor();
  });

  it('uploads a document and finds it with a search', async () => {
    await signIn();
    await page.goto(`${server.url}/dashboard/knowledge`);
    await page.getByLabel('File').setInputFiles({
      name: 'parking.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# Parking\n\nFree parking is behind the building, entrance from Mill Street.\n'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('“Parking” was added').waitFor();
    await page.getByRole('link', { name: 'Parking' }).waitFor();
    await page.getByLabel('Question').fill('where can I park');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.passages').getByText('entrance from Mill Street').waitFor();
  });

  it('talks to the assistant in Try it, in Slovak', async () => {
    standIn.enqueue({ text: 'Otvorené máme od pondelka do piatku.' });
    await signIn();
    await page.goto(`${server.url}/dashboard/try`);
    await page.getByLabel('Language').selectOption('sk');
    await page.getByLabel('You say').fill('Kedy máte otvorené?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.bubble.assistant').getByText('Otvorené máme od pondelka do piatku.').waitFor();
    const [request] = standIn.requests;
    assert.match(JSON.stringify(request?.body), /Kedy máte otvorené\?/);
  });

  it('shows a call and a message as they arrive, without a reload', async () => {
    await signIn();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    const marker = await page.evaluate(() => {
      (globalThis as { __samePage?: boolean }).__samePage = true;
      return true;
    });
    assert.ok(marker);
    const sid = callSid();
    const incoming = await signedPost(server.url, '/twilio/incoming', { CallSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: '+14155550199', To: '+14155550100', CallStatus: 'in-progress' });
    assert.equal(incoming.status, 200);
    await page.locator('#live-calls').getByText('+1*****0199').waitFor({ timeout: 10_000 });
    // Written straight to the database, as another instance would: this process's memory plays no part.
    await insertCallbackRequest(server.db, { conversationId: null, caller: '+14155550199', name: 'Petr', message: 'Ring me about the crown.' });
    await page.locator('#open-messages').getByText('Ring me about the crown.').waitFor({ timeout: 10_000 });
    await page.locator('[data-open-messages]').getByText(/^[12]$/).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { __samePage?: boolean }).__samePage), true, 'no reload happened');
  });
});
