// Screenshots of the dashboard's main pages at desktop and phone widths, for docs/ and the README: node scripts/dashboard-screenshots.ts
import path from 'node:path';
import { DateTime } from 'luxon';
import { insertAppointment } from '../src/booking/appointments-repo.ts';
import { recordContact, saveCustomerName } from '../src/booking/customers-repo.ts';
import { insertCallbackRequest } from '../src/db/callbacks-repo.ts';
import { openCallConversation, recordCallStatus } from '../src/db/calls-repo.ts';
import { appendMessages } from '../src/db/conversations-repo.ts';
import type { Db } from '../src/db/db.ts';
import { saveSummary } from '../src/db/summaries-repo.ts';
import { browserUnavailable, launchBrowser } from '../test/helpers/browser.ts';
import { TEST_DASHBOARD_PASSWORD } from '../test/helpers/dashboard-client.ts';
import { seedDashboard } from '../test/helpers/dashboard-seed.ts';
import { startLlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { startTestServer, testEnv } from '../test/helpers/test-app.ts';
import { callSid, signedPost, TEST_TWILIO_TOKEN } from '../test/helpers/twilio-client.ts';

const DOCS = path.resolve(import.meta.dirname, '..', 'docs');
const ZONE = 'Europe/Bratislava';

/** A few more callers than the tests need, so the pages look like a working day. */
async function seedMore(db: Db): Promise<void> {
  const people = [
    { phone: '+421905111222', name: 'Marek Horváth', said: 'Do you take new patients?', reply: 'Yes, we do. Would you like to book a check-up?' },
    { phone: '+421907333444', name: 'Olena Kovalenko', said: 'How much is a cleaning?', reply: 'A cleaning costs 60 EUR and takes an hour.' },
  ];
  for (const [index, person] of people.entries()) {
    const { conversation } = await openCallConversation(db, { callSid: callSid(), caller: person.phone, language: 'en' });
    const customer = await recordContact(db, person.phone, conversation.id, 'en');
    await saveCustomerName(db, person.phone, person.name);
    await appendMessages(db, conversation.id, [
      { role: 'user', content: person.said },
      { role: 'assistant', content: person.reply },
    ]);
    await recordCallStatus(db, { callSid: conversation.callSid!, status: 'completed', durationSeconds: 40 + index * 35 });
    await saveSummary(db, conversation.id, { caller: person.name, intent: person.said, outcome: person.reply, follow_up_needed: false, follow_up: null });
    const day = DateTime.now().setZone(ZONE).startOf('week').plus({ days: 1 + index * 2, hours: 9 + index });
    const startsAt = day.toJSDate();
    const endsAt = day.plus({ minutes: 60 }).toJSDate();
    await insertAppointment(db, { customerId: customer.id, conversationId: conversation.id, service: index ? 'cleaning' : 'check-up', name: person.name, startsAt, endsAt, blockedUntil: endsAt }, 1);
  }
  await insertCallbackRequest(db, { conversationId: null, caller: '+421905111222', name: 'Marek Horváth', message: 'Could someone call me about my daughter’s appointment?' });
}

async function main(): Promise<void> {
  const unavailable = browserUnavailable();
  if (unavailable) throw new Error(unavailable);
  const standIn = await startLlmStandIn();
  const server = await startTestServer(testEnv(standIn, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD, TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
  const browser = await launchBrowser();
  try {
    const seeded = await seedDashboard(server.db);
    await seedMore(server.db);
    await saveSummary(server.db, seeded.callId, {
      caller: 'Jana Nováková',
      intent: 'Wanted a check-up tomorrow morning',
      outcome: 'Booked a check-up for tomorrow at 11:00',
      follow_up_needed: true,
      follow_up: 'She asked about her invoice: call her back',
    });
    // One call still in progress, for the live list.
    await signedPost(server.url, '/twilio/incoming', { CallSid: callSid(), AccountSid: `AC${'0'.repeat(32)}`, From: '+421944555666', To: '+421233000111', CallStatus: 'in-progress' });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/dashboard/sign-in`);
    await page.getByLabel('Password').fill(TEST_DASHBOARD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
    // The third field is the language the browser asks for.
    const shots: [string, string, string][] = [
      ['today', '/', 'en'],
      ['conversation', `/dashboard/conversations/${seeded.callId}`, 'en'],
      ['search', '/dashboard/conversations?q=check-up', 'en'],
      ['messages', '/dashboard/messages', 'en'],
      ['appointments', '/dashboard/appointments', 'en'],
      ['settings', '/dashboard/settings', 'en'],
      ['today-uk', '/', 'uk'],
    ];
    for (const [width, height, device] of [[1280, 860, 'desktop'], [390, 844, 'phone']] as const) {
      await page.setViewportSize({ width, height });
      for (const [name, target, language] of shots) {
        await page.setExtraHTTPHeaders({ 'accept-language': language });
        await page.goto(`${server.url}${target}`);
        await page.waitForLoadState('networkidle').catch(() => {});
        const file = path.join(DOCS, `dashboard-${name}-${device}.png`);
        await page.screenshot({ path: file, fullPage: device === 'desktop' });
        console.log(file);
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await standIn.close();
  }
}

await main();
