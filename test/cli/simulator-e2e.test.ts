// The simulator against the real app: a call and an SMS thread end to end, checked in the store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DateTime } from 'luxon';
import { after, before, beforeEach, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { startTestServer, TEST_API_KEY, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { track } from '../helpers/child-processes.ts';

const CLI = path.resolve(import.meta.dirname, '../../cli/main.ts');

function runCli(args: string[], input: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = track(spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function transcriptOf(server: TestServer, channel: 'voice' | 'sms'): Promise<string[]> {
  const { rows } = await server.db.query<{ id: string }>('SELECT id FROM conversations WHERE channel = $1 ORDER BY created_at DESC LIMIT 1', [channel]);
  return (await loadRecentMessages(server.db, rows[0]!.id, 100)).map((row) => row.text).filter(Boolean);
}

describe('simulator against the real app', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it('holds a phone call: greeting, a turn, silence, goodbye, and the status callback', async () => {
    standIn.enqueue({ text: 'We are open until five today.' }, { toolCalls: [{ name: 'end_call', input: {} }] }, { text: 'Goodbye!' });
    const { code, stdout } = await runCli(['call', '--url', server.url, '--token', TEST_TWILIO_TOKEN], 'How long are you open today?\n\nThanks, bye\n');
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(lines, [
      "assistant: Hello, you've reached Bright Smile Dental. How can I help you today?",
      'you: How long are you open today?',
      'assistant: We are open until five today.',
      'you: (silence)',
      `assistant: ${phrase('en', 'reprompt')}`,
      'you: Thanks, bye',
      'assistant: Goodbye!',
      'call ended',
    ]);
    assert.deepEqual(await transcriptOf(server, 'voice'), [
      "Hello, you've reached Bright Smile Dental. How can I help you today?",
      'How long are you open today?',
      'We are open until five today.',
      'Thanks, bye',
      'Goodbye!',
    ]);
    const { rows } = await server.db.query<{ status: string }>(`SELECT status FROM conversations WHERE channel = 'voice' ORDER BY created_at DESC LIMIT 1`);
    assert.equal(rows[0]?.status, 'completed');
  });

  it('holds an SMS thread', async () => {
    standIn.enqueue({ text: 'Yes, we are open on Saturday? No, closed.' }, { text: 'Monday from eight.' });
    const { code, stdout } = await runCli(['call', '--sms', '--url', server.url, '--token', TEST_TWILIO_TOKEN], 'Open on Saturday?\nWhen then?\n');
    assert.equal(code, 0);
    assert.match(stdout, /assistant: Yes, we are open on Saturday\? No, closed\.\n.*you: When then\?\nassistant: Monday from eight\./s);
    assert.deepEqual(await transcriptOf(server, 'sms'), ['Open on Saturday?', 'Yes, we are open on Saturday? No, closed.', 'When then?', 'Monday from eight.']);
  });

  it('is refused with a clear error when it signs with the wrong token', async () => {
    const { code, stderr } = await runCli(['call', '--url', server.url, '--token', 'f'.repeat(32)], 'hello\n');
    assert.equal(code, 1);
    assert.match(stderr, /403/);
  });
});

describe('simulator against an app without an LLM, its background jobs running', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, OUTBOX_POLL_INTERVAL_MS: '100' }));
  });
  after(() => server.close());

  it('takes a message, and says at once that no summary was written rather than waiting for one', async () => {
    const { code, stdout, stderr } = await runCli(['call', '--url', server.url, '--token', TEST_TWILIO_TOKEN], 'Ann\nPlease call me back\n', { API_KEY: TEST_API_KEY });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /you: Please call me back\n[\s\S]*call ended\n$/);
    const { rows } = await server.db.query<{ id: string }>(`SELECT id FROM conversations WHERE channel = 'voice' ORDER BY created_at DESC LIMIT 1`);
    assert.ok(
      stderr.includes(`the server wrote no summary of this call: it has no LLM, the LLM failed, or the caller said nothing; the transcript is in GET ${server.url}/v1/calls/${rows[0]!.id}`),
      stderr,
    );
  });
});

describe('simulator against an app without a Twilio account to text from', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    // The sample profile; background jobs run, so the summary is written while the simulator waits for it.
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, OUTBOX_POLL_INTERVAL_MS: '100' }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('shows the booking confirmation the caller would receive, says it was not sent, and ends with the summary', async () => {
    const today = DateTime.now().setZone('Europe/Bratislava').startOf('day');
    const tuesday = today.plus({ days: ((2 - today.weekday + 7) % 7) || 7 }).toISODate()!;
    const summary = { caller: 'Ann', intent: 'Book a check-up', outcome: 'Booked', follow_up_needed: false, follow_up: null };
    standIn.enqueue(
      { toolCalls: [{ name: 'book_appointment', input: { service: 'check-up', start: `${tuesday}T10:00:00`, name: 'Ann' } }] },
      { text: 'Booked for Tuesday at ten.' },
      { toolCalls: [{ name: 'end_call', input: {} }] },
      { text: 'Bye!' },
      { text: JSON.stringify(summary) },
    );
    const { code, stdout, stderr } = await runCli(['call', '--url', server.url, '--token', TEST_TWILIO_TOKEN], 'A check-up next Tuesday at ten, I am Ann\nBye\n', { API_KEY: TEST_API_KEY });
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /assistant: Booked for Tuesday at ten\.\n\(text message to you: "Bright Smile Dental: your check-up is booked for Tuesday[^"]* 10:00\. To change or cancel it, call or text us\."\)\nyou: Bye\n/,
    );
    assert.ok(stdout.endsWith('call ended\nsummary of the call:\n  caller: Ann\n  intent: Book a check-up\n  outcome: Booked\n  follow-up: none\n'), stdout);
    assert.match(stderr, /\(the text message "Bright Smile Dental: your check-up is…" was not sent: the server has no Twilio credentials/);
  });
});
