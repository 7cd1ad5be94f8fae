// The server process as `npm start` runs it: starts on the embedded database, stops cleanly, refuses bad config and a taken DATA_DIR.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './helpers/free-port.ts';
import { startLlmStandIn, type LlmStandIn } from './helpers/llm-stand-in.ts';
import { spawnNode, spawnServer, startServerProcess, waitHealthy, type ServerProcess } from './helpers/server-process.ts';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'pa-server-'));
const CLI = path.resolve(import.meta.dirname, '../cli/main.ts');
const API_KEY = 'server-test-key-123456';

describe('server process', () => {
  it('serves on the embedded database with no other setup, keeps data across a restart, and exits 0 on SIGTERM', async () => {
    const env = { PORT: String(await freePort()), DATA_DIR: dataDir(), API_KEY, OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
    for (let run = 0; run < 2; run += 1) {
      const server = await startServerProcess(env);
      const ready = await fetch(`${server.url}/ready`);
      const body = (await ready.json()) as { checks: { database: { status: string } } };
      assert.equal(body.checks.database.status, 'ok');
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
      assert.match(server.output(), /phone-assistant ready/);
      // The second start finds the schema the first one made: the data directory persisted.
      // It says what it does while it starts: a first start is the slow one.
      if (run === 0) {
        assert.match(server.output(), /creating the embedded database in \S+ from the prepared template/);
        assert.match(server.output(), /applied migration 001_conversations/);
      } else {
        assert.match(server.output(), /opening the embedded database in \S+/);
        assert.doesNotMatch(server.output(), /applied migration|creating the embedded database/);
      }
      assert.match(server.output(), /embedded database ready in \d+ ms/);
    }
  });

  it('refuses to start on invalid configuration, naming each variable and rule', async () => {
    const server = await spawnServer({ PORT: 'abc', ANTHROPIC_API_KEY: 'wrong', DATA_DIR: dataDir() });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /PORT must be a whole number from 0 to 65535/);
    assert.match(server.output(), /ANTHROPIC_API_KEY must start with sk-ant-/);
    assert.doesNotMatch(server.output(), /at .*\.ts:\d+/, 'no stack trace for a configuration mistake');
  });

  it('refuses to start without a Twilio auth token in production', async () => {
    const server = await spawnServer({ NODE_ENV: 'production', DATA_DIR: dataDir() });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /TWILIO_AUTH_TOKEN is required in production/);
  });
});

describe('one process per embedded database', () => {
  let standIn: LlmStandIn;
  before(async () => {
    standIn = await startLlmStandIn();
    standIn.setFallbackReply({ text: 'We open at eight.' });
  });
  after(() => standIn.close());

  const newEnv = () => ({ DATA_DIR: dataDir(), API_KEY, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_MODEL: 'stand-in-model' });

  async function say(server: ServerProcess, text: string): Promise<void> {
    const response = await fetch(`${server.url}/v1/text`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ text }),
    });
    assert.equal(response.status, 200, await response.text());
  }

  /** How many text conversations the server has stored. */
  async function conversations(server: ServerProcess): Promise<number> {
    const response = await fetch(`${server.url}/v1/calls?limit=100`, { headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(response.status, 200);
    return ((await response.json()) as { items: unknown[] }).items.length;
  }

  /** The one line a refused process printed, after checking that it exited 1 instead of starting. */
  async function refusal(started: Promise<ServerProcess>): Promise<string> {
    const child = await started;
    const serving = waitHealthy(child).then(
      () => 'serving',
      () => 'not serving',
    );
    const outcome = await Promise.race([child.exited, serving]);
    assert.equal(outcome, 1, `it should have exited 1:\n${child.output()}`);
    const lines = child.output().trim().split('\n');
    assert.equal(lines.length, 1, child.output());
    return lines[0]!;
  }

  it('refuses a second server and a migrate on the same DATA_DIR, naming the holder; the first keeps serving and keeps its data', async () => {
    const env = newEnv();
    const first = await startServerProcess(env);
    await say(first, 'Before the second server');

    const holder = `another phone-assistant process \\(server, PID ${first.child.pid}, since [^)]+\\)`;
    const secondServer = await refusal(spawnServer(env));
    assert.match(secondServer, new RegExp(`^DATA_DIR ${env.DATA_DIR} is in use by ${holder}: stop it first`));
    const migrate = await refusal(spawnNode([CLI, 'migrate'], env));
    assert.match(migrate, new RegExp(`^DATA_DIR ${env.DATA_DIR} is in use by ${holder}`));

    await say(first, 'After the second server');
    assert.equal(await conversations(first), 2);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());

    // Two processes on one embedded database lost the first one's conversations here, on restart.
    const restarted = await startServerProcess(env);
    assert.equal(await conversations(restarted), 2);
    restarted.child.kill('SIGTERM');
    assert.equal(await restarted.exited, 0, restarted.output());
  });

  it('takes over the DATA_DIR of a server killed with SIGKILL, with the data it had written', async () => {
    const env = newEnv();
    const first = await startServerProcess(env);
    await say(first, 'Just before the crash');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(env);
    assert.equal(await conversations(second), 1);
    const migrate = await refusal(spawnNode([CLI, 'migrate'], env));
    assert.match(migrate, new RegExp(`\\(server, PID ${second.child.pid},`), 'the new holder is named, not the dead one');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
  });
});
