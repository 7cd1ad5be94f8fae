// `phone-assistant call --relay` against the real app: streamed replies, an interruption, first-token latency, the goodbye.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { isInterrupted } from '../../src/db/heard-replies-repo.ts';
import { track } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const CLI = path.resolve(import.meta.dirname, '../../cli/main.ts');

function runCli(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = track(spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the relay simulator', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    // Gather by default: the simulator asks for relay on the incoming URL, as a number's webhook can.
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('streams replies, lets a line interrupt one, shows first-token latency, and ends with the goodbye', async () => {
    standIn.enqueue(
      { text: 'We are open until five today.' },
      // Its first word comes at once and the rest would take minutes: only an interruption ends it.
      { text: 'Saturdays are a long story that I will now tell you in full.', pieceDelayMs: 120_000 },
      { toolCalls: [{ name: 'end_call', input: {} }] },
      { text: 'Goodbye!' },
    );
    const { code, stdout, stderr } = await runCli(
      ['call', '--relay', '--url', server.url, '--token', TEST_TWILIO_TOKEN],
      'How long are you open today?\nAnd Saturdays?\n!Never mind, bye\n',
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split('\n'), [
      "assistant: Hello, you've reached Bright Smile Dental. How can I help you today?",
      'you: How long are you open today?',
      'assistant: We are open until five today.',
      'you: And Saturdays?',
      'assistant: Saturdays …',
      'you: Never mind, bye',
      'assistant: Goodbye!',
      'call ended',
    ]);
    assert.match(stderr, /\(first token after \d+ ms\)/);
    assert.match(stderr, /\(you interrupted\)/);
    assert.equal(standIn.requests[1]?.closedEarly, true);

    const { rows } = await server.db.query<{ id: string; status: string }>(`SELECT id, status FROM conversations WHERE channel = 'voice' ORDER BY created_at DESC LIMIT 1`);
    assert.equal(rows[0]?.status, 'completed');
    const stored = await loadRecentMessages(server.db, rows[0]!.id, 100);
    assert.deepEqual(
      stored.filter((row) => row.text !== '').map((row) => [row.message.role, row.text, isInterrupted(row.message)]),
      [
        ['assistant', "Hello, you've reached Bright Smile Dental. How can I help you today?", false],
        ['user', 'How long are you open today?', false],
        ['assistant', 'We are open until five today.', false],
        ['user', 'And Saturdays?', false],
        ['assistant', 'Saturdays', true],
        ['user', 'Never mind, bye', false],
        ['assistant', 'Goodbye!', false],
      ],
    );
  });

  it('keeps the call in the language it was started in', async () => {
    standIn.enqueue({ text: 'Od ôsmej.' });
    const { code, stdout, stderr } = await runCli(['call', '--relay', '--language', 'sk', '--url', server.url, '--token', TEST_TWILIO_TOKEN], 'Kedy otvárate?\n');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /you: Kedy otvárate\?\nassistant: Od ôsmej\.\n/);
    assert.doesNotMatch(stderr, /now speaks/);
    const { rows } = await server.db.query<{ language: string }>(`SELECT language FROM conversations WHERE channel = 'voice' ORDER BY created_at DESC LIMIT 1`);
    assert.equal(rows[0]?.language, 'sk');
  });
});
