// Issue 11's acceptance path in chromium against the server and the simulator as processes: sign in, a simulator call appears live, its transcript reads as a chat, the message it left is handled.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable, launchBrowser, type Browser } from '../helpers/browser.ts';
import { track } from '../helpers/child-processes.ts';
import { TEST_DASHBOARD_PASSWORD } from '../helpers/dashboard-client.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { killAndWait } from '../helpers/child-processes.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { TEST_API_KEY, testEnv } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const CLI = path.resolve(import.meta.dirname, '../../cli/main.ts');
const unavailable = browserUnavailable();
if (unavailable) console.log(`# NOTE: ${unavailable}`);

describe('the owner watches a simulated call in the dashboard', { skip: unavailable ?? false }, () => {
  let standIn: LlmStandIn;
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    standIn = await startLlmStandIn();
    // As `DASHBOARD_PASSWORD=… npm start` runs it: src/server.ts in its own process, on an embedded database in a new DATA_DIR.
    server = await startServerProcess(testEnv(standIn, 'openai', { DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD, TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, LOG_LEVEL: 'warn' }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (server) await killAndWait(server.child);
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
    // What the API says, from the server's own database.
    const open = await fetch(`${server.url}/v1/messages?handled=false`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    assert.equal(open.status, 200, server.output());
    assert.equal(((await open.json()) as { items: unknown[] }).items.length, 0);
  });
});
