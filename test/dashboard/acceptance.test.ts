// Issue 11's acceptance path in chromium: sign in, a simulator call appears live, its transcript reads as a chat, the message it left is handled.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listCallbackRequests } from '../../src/db/callbacks-repo.ts';
import { browserUnavailable, launchBrowser, type Browser } from '../helpers/browser.ts';
import { track } from '../helpers/child-processes.ts';
import { TEST_DASHBOARD_PASSWORD } from '../helpers/dashboard-client.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const CLI = path.resolve(import.meta.dirname, '../../cli/main.ts');
const unavailable = browserUnavailable();
if (unavailable) console.log(`# NOTE: ${unavailable}`);

describe('the owner watches a simulated call in the dashboard', { skip: unavailable ?? false }, () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD, TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await standIn?.close();
  });

  it('signs in, sees the call live, reads its transcript and marks its message handled', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/`);
    await page.getByLabel('Password').fill(TEST_DASHBOARD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No call in progress.').waitFor();

    standIn.enqueue(
      { toolCalls: [{ name: 'take_message', input: { name: 'Ivana', message: 'Please call me about my filling.' } }] },
      { text: 'I have passed your message on; someone will call you back.' },
      { toolCalls: [{ name: 'end_call', input: {} }] },
      { text: 'Goodbye!' },
    );
    // The simulator speaks a line whenever one is written to it: the call stays in progress in between.
    const simulator = track(spawn(process.execPath, [CLI, 'call', '--url', server.url, '--token', TEST_TWILIO_TOKEN], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } }));
    let heard = '';
    simulator.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => simulator.on('exit', resolve));

    await page.locator('#live-calls').getByText('+1*****0100').waitFor({ timeout: 15_000 });
    simulator.stdin.write('This is Ivana, please have someone call me about my filling.\n');
    await page.locator('#open-messages').getByText('Please call me about my filling.').waitFor({ timeout: 15_000 });
    simulator.stdin.end('Thanks, bye\n');
    assert.equal(await exited, 0, heard);
    await page.getByText('No call in progress.').waitFor({ timeout: 15_000 });

    await page.locator('#today-conversations').getByRole('link').first().click();
    await page.getByText('This is Ivana, please have someone call me about my filling.').waitFor();
    await page.locator('.event').getByText('took a message').waitFor();
    await page.locator('.bubble.assistant').getByText('Goodbye!').waitFor();

    await page.getByRole('link', { name: 'Today' }).click();
    await page.locator('#open-messages').getByRole('button', { name: 'Mark handled' }).click();
    await page.getByText('Nobody is waiting for a call back.').waitFor();
    assert.equal((await listCallbackRequests(server.db, { handled: false }, { limit: 10 })).items.length, 0);
  });
});
