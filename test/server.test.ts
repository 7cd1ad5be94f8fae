// The server process as `npm start` runs it: starts on the embedded database, stops cleanly, says plainly what keeps it
// from starting, and refuses a DATA_DIR another process holds.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { freePort } from './helpers/free-port.ts';
import { startLlmStandIn, type LlmStandIn } from './helpers/llm-stand-in.ts';
import { pgSkip } from './helpers/postgres.ts';
import { eventually, spawnNode, spawnServer, startServerProcess, waitHealthy, type ServerProcess } from './helpers/server-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const dataDir = () => mkdtempSync(path.join(tmpdir(), 'pa-server-'));
const CLI = path.resolve(import.meta.dirname, '../cli/main.ts');
const API_KEY = 'server-test-key-123456';
// A loaded 2-core machine starts the embedded database slowly.
const START_LIMIT_MS = 60_000;

/** Kills the server when the test ends, whatever its outcome. */
function killAtEnd(t: TestContext, server: ServerProcess): ServerProcess {
  t.after(() => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });
  return server;
}

const STACK_FRAME = /^\s+at /m;
const skipPostgres = await pgSkip();

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

  it('reads .env from the directory npm start runs in, and warns about look-alike names without their values', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-dotenv-'));
    // The start script as package.json has it, run by a shell in a directory holding the project's src and a .env.
    symlinkSync(path.join(ROOT, 'src'), path.join(dir, 'src'));
    const port = await freePort();
    writeFileSync(path.join(dir, '.env'), `# written by a test\nPORT=${port}\nHOST=127.0.0.1\nDATA_DIR=${dataDir()}\nOPENAI_API_KY=sk-not-to-be-printed\n`);
    const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const child = spawn('sh', ['-c', script], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    t.after(() => child.kill('SIGKILL'));

    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, START_LIMIT_MS, () => `not serving on the PORT from .env:\n${output}`);
    assert.match(output, /OPENAI_API_KY is set but phone-assistant does not read it: did you mean OPENAI_API_KEY\?/);
    assert.doesNotMatch(output, /sk-not-to-be-printed/);
    // The shell has become the server (exec): the signal reaches it directly.
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  });

  it('says at start that the LLM rejected its key, naming the variable but not the key', async (t) => {
    const standIn = await startLlmStandIn();
    t.after(() => standIn.close());
    standIn.setModelsResponse({ status: 401 });
    const server = killAtEnd(t, await startServerProcess({ DATA_DIR: dataDir(), OPENAI_API_KEY: 'sk-wrong-key-1234', OPENAI_BASE_URL: standIn.openaiBaseUrl }, START_LIMIT_MS));
    await eventually(() => server.output().includes('llm is not ready'), START_LIMIT_MS, () => `no readiness warning:\n${server.output()}`);
    assert.match(server.output(), /llm is not ready: rejected the API key \(OPENAI_API_KEY\): answered HTTP 401/);
    assert.doesNotMatch(server.output(), /sk-wrong-key-1234/);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });
});

describe('start-up problems said in one line, without a stack trace', () => {
  it('a port already in use', async (t) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    t.after(() => holder.close());
    const { port } = holder.address() as { port: number };
    const server = killAtEnd(t, await spawnServer({ PORT: String(port), DATA_DIR: dataDir() }));
    assert.equal(await server.exited, 1);
    assert.match(server.output(), new RegExp(`^Port ${port} on 127\\.0\\.0\\.1 is already in use: stop what listens there \\(another phone-assistant\\?\\), or set PORT to a free port\\.$`, 'm'));
    assert.doesNotMatch(server.output(), STACK_FRAME);
  });

  it('a PostgreSQL server that does not answer', async (t) => {
    const port = await freePort();
    const server = killAtEnd(t, await spawnServer({ DATABASE_URL: `postgres://user:secret-pw@127.0.0.1:${port}/phone`, DATA_DIR: dataDir() }));
    assert.equal(await server.exited, 1);
    assert.match(server.output(), new RegExp(`^Cannot connect to PostgreSQL at postgres://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}/phone \\(DATABASE_URL\\): .*ECONNREFUSED.*\\. Start PostgreSQL there, or correct DATABASE_URL`, 'm'));
    assert.doesNotMatch(server.output(), /secret-pw/);
    assert.doesNotMatch(server.output(), STACK_FRAME);
  });

  it('a DATA_DIR that cannot be created', async (t) => {
    const file = path.join(dataDir(), 'a-file');
    writeFileSync(file, '');
    const server = killAtEnd(t, await spawnServer({ DATA_DIR: path.join(file, 'data') }));
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /^Cannot open the embedded database in .*a-file\/data: ENOTDIR: .*\. Choose a DATA_DIR this user can create and write\.$/m);
    assert.doesNotMatch(server.output(), STACK_FRAME);
  });

  it('a PostgreSQL database that does not exist', { skip: skipPostgres }, async (t) => {
    const server = killAtEnd(t, await spawnServer({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pa_no_such_database', DATA_DIR: dataDir() }));
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /does not exist.*The database does not exist: create it \(createdb pa_no_such_database\), or correct DATABASE_URL\.$/m);
    assert.doesNotMatch(server.output(), STACK_FRAME);
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
