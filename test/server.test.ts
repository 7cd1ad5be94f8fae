// The server process as `npm start` runs it: starts on the embedded database, stops cleanly, refuses bad config.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const SERVER = path.resolve(import.meta.dirname, '../src/server.ts');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitForHealth(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become healthy');
}

describe('server process', () => {
  it('serves on the embedded database with no other setup, keeps data across a restart, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pa-server-'));
    const env = { PORT: String(await freePort()), DATA_DIR: dataDir, API_KEY: 'server-test-key-123456', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
    for (let run = 0; run < 2; run += 1) {
      const server = startServer(env);
      await waitForHealth(Number(env.PORT), 20_000);
      const ready = await fetch(`http://127.0.0.1:${env.PORT}/ready`);
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
    const server = startServer({ PORT: 'abc', ANTHROPIC_API_KEY: 'wrong', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-server-')) });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /PORT must be a whole number from 0 to 65535/);
    assert.match(server.output(), /ANTHROPIC_API_KEY must start with sk-ant-/);
    assert.doesNotMatch(server.output(), /at .*\.ts:\d+/, 'no stack trace for a configuration mistake');
  });

  it('refuses to start without a Twilio auth token in production', async () => {
    const server = startServer({ NODE_ENV: 'production', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-server-')) });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /TWILIO_AUTH_TOKEN is required in production/);
  });
});
