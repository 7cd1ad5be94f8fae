// The dashboard in the owner's language: chosen from Accept-Language or on the Settings page, in every catalog.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { languageFromHeader } from '../../src/dashboard/i18n/strings.ts';
import { DashboardVisitor, TEST_DASHBOARD_PASSWORD } from '../helpers/dashboard-client.ts';
import { seedDashboard, type Seeded } from '../helpers/dashboard-seed.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

describe('languageFromHeader', () => {
  it('takes the most wanted of our four languages, English otherwise', () => {
    assert.equal(languageFromHeader('uk-UA,uk;q=0.9,en;q=0.8'), 'uk');
    assert.equal(languageFromHeader('de-DE,de;q=0.9,ru;q=0.5,en;q=0.4'), 'ru');
    assert.equal(languageFromHeader('en;q=0.5, sk'), 'sk');
    assert.equal(languageFromHeader('sk;q=0, fr'), 'en');
    assert.equal(languageFromHeader(undefined), 'en');
    assert.equal(languageFromHeader('*'), 'en');
  });
});

describe('dashboard languages', () => {
  let server: TestServer;
  let seeded: Seeded;
  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD }));
    seeded = await seedDashboard(server.db);
  });
  after(() => server.close());

  const pages = () => [
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
  // Words of the English interface that no other language's page should show.
  const ENGLISH = /\b(Today|Conversations|Messages|Customers|Appointments|Settings|Sign out|Summary|Transcript|Caller|Nobody|Search|Filter)\b/;

  for (const [header, language, signOut] of [
    ['ru-RU,ru;q=0.9', 'ru', 'Выйти'],
    ['uk', 'uk', 'Вийти'],
    ['sk-SK', 'sk', 'Odhlásiť'],
  ] as const) {
    it(`speaks ${language} to a browser asking for it, on every page`, async () => {
      const owner = new DashboardVisitor(server.url);
      const signIn = await owner.get('/dashboard/sign-in', { 'accept-language': header });
      assert.match(signIn.text, new RegExp(`<html lang="${language}-`));
      await owner.signIn();
      for (const path of pages()) {
        const page = await owner.get(path, { 'accept-language': header });
        assert.equal(page.status, 200, path);
        assert.match(page.text, new RegExp(`<html lang="${language}-`), path);
        assert.ok(page.text.includes(signOut), path);
        // Only what the main part says: the business's own data (names, services) stays as it was written.
        const main = page.text.slice(page.text.indexOf('<main>')).replace(/<code[^>]*>.*?<\/code>/g, '');
        assert.doesNotMatch(main.replace(/Twilio|ConversationRelay|A call comes in|Call status changes|A message comes in/g, ''), ENGLISH, path);
      }
    });
  }

  it('keeps the language chosen on the Settings page over the browser’s', async () => {
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    const settings = await owner.get('/dashboard/settings', { 'accept-language': 'en' });
    assert.match(settings.text, /<html lang="en-GB">/);
    const saved = await owner.post('/dashboard/language', { _csrf: DashboardVisitor.csrfOf(settings.text), language: 'uk' });
    assert.equal(saved.status, 303);
    const today = await owner.get('/', { 'accept-language': 'en' });
    assert.match(today.text, /<html lang="uk-UA">/);
    assert.match(today.text, /Сьогодні/);
    const back = await owner.post('/dashboard/language', { _csrf: DashboardVisitor.csrfOf(today.text), language: '' });
    assert.equal(back.status, 303);
    assert.match((await owner.get('/', { 'accept-language': 'sk' })).text, /<html lang="sk-SK">/);
  });

  it('keeps the chosen language after signing out, on the sign-in page and after signing in again', async () => {
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    const settings = await owner.get('/dashboard/settings', { 'accept-language': 'en' });
    await owner.post('/dashboard/language', { _csrf: DashboardVisitor.csrfOf(settings.text), language: 'sk' });
    const today = await owner.get('/', { 'accept-language': 'en' });
    assert.equal((await owner.post('/dashboard/sign-out', { _csrf: DashboardVisitor.csrfOf(today.text) })).status, 303);
    assert.equal((await owner.get('/', { 'accept-language': 'en' })).status, 303, 'signed out');
    const signIn = await owner.get('/dashboard/sign-in', { 'accept-language': 'en' });
    assert.match(signIn.text, /<html lang="sk-SK">/);
    assert.equal((await owner.signIn()).status, 303);
    assert.match((await owner.get('/', { 'accept-language': 'en' })).text, /<html lang="sk-SK">/);
  });
});
