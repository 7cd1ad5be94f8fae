// The server process as `npm start` runs it: starts on the embedded database, stops cleanly, refuses bad config.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from './helpers/free-port.ts';
import { spawnServer, startServerProcess } from './helpers/server-process.ts';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'pa-server-'));

describe('server process', () => {
  it('serves on the embedded database with no other setup, keeps data across a restart, and exits 0 on SIGTERM', async () => {
    const env = { PORT: String(await freePort()), DATA_DIR: dataDir(), API_KEY: 'server-test-key-123456', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
    for (let run = 0; run < 2; run += 1) {
      const server = await startServerProcess(env);
      const ready = await fetch(`${server.url}/ready`);
      const body = (await ready.json()) as { checks: { database: { status: string } } };
      assert.equal(body.checks.database.status, 'ok');
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
      assert.match(server.output(), /phone-assistant ready/);
      // The second start finds the schema the first one made: the data directory persisted.
      if (run === 0) assert.match(server.output(), /applied migration 001_conversations/);
      else assert.doesNotMatch(server.output(), /applied migration/);
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
