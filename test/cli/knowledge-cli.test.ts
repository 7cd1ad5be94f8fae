// `phone-assistant knowledge` run as an owner runs it, on PGlite in a fresh DATA_DIR, with embeddings from the stand-in.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAndWait, track } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const postgresSkip = await pgSkip();

const ROOT = path.resolve(import.meta.dirname, '../..');
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, ['cli/main.ts', 'knowledge', ...args], env);
}

function runProcess(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // A clean environment, so that the developer's own DATABASE_URL or keys cannot change the outcome.
  const child = track(spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('phone-assistant knowledge', () => {
  let standIn: LlmStandIn;
  let env: Record<string, string>;

  before(async () => {
    standIn = await startLlmStandIn();
    env = { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-knowledge-cli-')), OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-test' };
  });
  after(async () => {
    await standIn.close();
  });

  it('adds the sample folder, skips unchanged files, and lists what it holds', async () => {
    const added = await runCli(['add', 'knowledge/sample'], env);
    assert.equal(added.code, 0, added.stderr);
    const lines = added.stdout.trim().split('\n');
    assert.deepEqual(lines.map((line) => line.split(':')[0]), ['cennik.md', 'dlia-patsiientiv-z-ukrainy.html', 'faq.md', 'garantii.txt', 'leaflet.pdf']);
    assert.match(lines[0]!, /^cennik\.md: added, 5 passages — "Cenník Bright Smile Dental" \(id [0-9a-f-]{36}\)$/);
    assert.match(added.stderr, /retrieval: full text \+ vectors \(real\[\] in the database\), embeddings from text-embedding-3-small/);
    // Not a terminal: progress is a line per document, not a bar.
    assert.match(added.stderr, /embedding leaflet\.pdf: \d+\/\d+/);

    const again = await runCli(['add', 'knowledge/sample/faq.md'], env);
    assert.match(again.stdout, /^faq\.md: unchanged — "Frequently asked questions"/);

    const listed = await runCli(['list'], env);
    assert.equal(listed.code, 0);
    for (const name of ['cennik.md', 'faq.md', 'leaflet.pdf']) assert.ok(listed.stdout.includes(name));
    assert.match(listed.stdout, /text-embedding-3-small/);
  });

  it('searches as the assistant would, printing ranked passages with scores and where they come from', async () => {
    const found = await runCli(['search', 'Koľko stojí bielenie zubov?', '--language', 'sk', '--limit', '2'], env);
    assert.equal(found.code, 0, found.stderr);
    const lines = found.stdout.trim().split('\n');
    assert.match(lines[0]!, /^1\. score 0\.\d{4} \(text \+ vector\) — Cenník Bright Smile Dental > Estetika a protetika \[sk\]$/);
    assert.match(lines[1]!, /^ {3}Služba: Bielenie zubov v ambulancii; Cena: 250 €/);
    assert.match(lines[2]!, /^2\. score/);

    const nothing = await runCli(['search', 'Do you sell used cars?', '--language', 'en'], env);
    assert.equal(nothing.stdout.trim(), 'no passage matches: the assistant would say it does not know');
  });

  it('removes a document by id, and says plainly what is wrong with a command or a file', async () => {
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'pa-knowledge-bad-')), 'notes.odt');
    writeFileSync(bad, 'PK');
    const failed = await runCli(['add', bad], env);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /error: notes\.odt: "\.odt" files are not supported; use \.md, .*\.pdf, \.docx\n/);

    const listed = await runCli(['list'], env);
    const id = /'([0-9a-f-]{36})' │ 'garantii\.txt'/.exec(listed.stdout)?.[1];
    assert.ok(id, listed.stdout);
    const removed = await runCli(['remove', id], env);
    assert.equal(removed.stdout.trim(), `removed ${id}`);
    const again = await runCli(['remove', id], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`no document with id ${id}; knowledge list shows them`));

    const usage = await runCli(['serch', 'x'], env);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /knowledge needs one of add, list, remove, search, reindex, not "serch"/);
    const language = await runCli(['search', 'x', '--language', 'de'], env);
    assert.match(language.stderr, /--language must be one of en, ru, uk, sk/);
  });

  it('walks a folder into Word documents too, adding the good one and naming the broken one and why', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'pa-knowledge-docx-'));
    mkdirSync(path.join(folder, 'word'));
    copyFileSync(path.join(ROOT, 'test/fixtures/aftercare.docx'), path.join(folder, 'word/aftercare.docx'));
    writeFileSync(path.join(folder, 'word/broken.docx'), 'these bytes were never a Word document');
    writeFileSync(path.join(folder, 'word/old.doc'), 'skipped: not a type the knowledge base reads');
    // Its own DATA_DIR: the other tests here count the sample documents.
    const own = { ...env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-knowledge-cli-docx-')) };
    const added = await runCli(['add', folder], own);
    assert.equal(added.code, 1, 'a file that failed fails the command');
    assert.match(added.stdout, /^word\/aftercare\.docx: added, \d+ passages — "Aftercare instructions" \(id [0-9a-f-]{36}\)\n$/);
    assert.match(added.stderr, /skipped .*word\/old\.doc: not a supported document type\n/);
    assert.match(added.stderr, /error: word\/broken\.docx: not a readable Word document \(it is not a zip archive, or it is cut short, so it is no \.docx\)\n/);
    assert.match(added.stderr, /1 of 2 documents could not be added; nothing of them was stored/);

    const listed = await runCli(['list'], own);
    assert.match(listed.stdout, /'word\/aftercare\.docx' │ 'Aftercare instructions' │ 'docx'/);
    assert.doesNotMatch(listed.stdout, /broken/);
    const found = await runCli(['search', 'Po extrakcii zuba', '--language', 'sk', '--limit', '1'], own);
    assert.match(found.stdout, /^1\. score 0\.\d{4} \(.*\) — Aftercare instructions > Po extrakcii zuba \[sk\]\n {3}Dve hodiny nejedzte/);
  });

  it('draws a progress bar on a terminal instead of the per-document lines', { skip: HAS_SCRIPT ? false : 'script(1) from util-linux is not installed' }, async () => {
    // script(1) gives the command a pseudo-terminal, so stderr is a TTY as in an owner's shell.
    const own = { ...env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-knowledge-cli-tty-')), TERM: 'xterm' };
    const command = `"${process.execPath}" cli/main.ts knowledge add knowledge/sample/faq.md`;
    const terminal = await runProcess('script', ['-q', '-e', '-c', command, '/dev/null'], own);
    assert.equal(terminal.code, 0, terminal.stdout);
    assert.match(terminal.stdout, /embedding faq\.md \[█+\] 8\/8/, 'the bar, full once every passage is embedded');
    assert.doesNotMatch(terminal.stdout, /embedding faq\.md: 8\/8/, 'not the line written when stderr is piped');
    assert.match(terminal.stdout, /faq\.md: added, 8 passages/);
  });

  it('re-embeds every document when the embedding model changes', async () => {
    const reindexed = await runCli(['reindex'], { ...env, EMBEDDING_MODEL: 'another-model' });
    assert.equal(reindexed.code, 0, reindexed.stderr);
    assert.equal(reindexed.stdout.trim(), 're-embedded 4 documents with another-model');
    const upToDate = await runCli(['reindex'], { ...env, EMBEDDING_MODEL: 'another-model' });
    assert.equal(upToDate.stdout.trim(), 'every document is up to date');
  });
});

describe('phone-assistant knowledge while the server runs on the same embedded database', () => {
  const API_KEY = 'knowledge-cli-key-0123456789';
  let standIn: LlmStandIn;
  let server: ServerProcess;
  let env: Record<string, string>;

  before(async () => {
    standIn = await startLlmStandIn();
    env = { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-knowledge-server-')), OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-test' };
    server = await startServerProcess({ ...env, API_KEY });
  });
  after(async () => {
    await killAndWait(server.child);
    await standIn.close();
  });

  it('says in one line what to do when API_KEY is not set', async () => {
    const refused = await runCli(['list'], env);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      `DATA_DIR ${env.DATA_DIR} is held by the running server (PID ${server.child.pid}): set API_KEY (in .env or the environment) to the server's API_KEY so that this command can use its API, or stop the server`,
    );
    const wrongKey = await runCli(['list'], { ...env, API_KEY: 'not-the-servers-key-000' });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /the server at http:\/\/127\.0\.0\.1:\d+ refused API_KEY: give this command the same API_KEY as the server's/);
  });

  it('adds, lists, searches, re-embeds and removes through the server’s API', async () => {
    const withKey = { ...env, API_KEY };
    const added = await runCli(['add', 'knowledge/sample'], withKey);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, new RegExp(`held by the running server \\(PID ${server.child.pid}\\): working through its API at ${server.url.replaceAll('.', '\\.')}`));
    assert.match(added.stdout.split('\n')[0]!, /^cennik\.md: added, 5 passages — "Cenník Bright Smile Dental" \(id [0-9a-f-]{36}\)$/);

    // What the command added, the server answers from.
    const served = await fetch(`${server.url}/v1/knowledge/search?${new URLSearchParams({ q: 'Koľko stojí bielenie zubov?', language: 'sk' })}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assert.match(((await served.json()) as { items: { text: string }[] }).items[0]!.text, /Bielenie zubov v ambulancii; Cena: 250 €/);

    const found = await runCli(['search', 'Koľko stojí bielenie zubov?', '--language', 'sk', '--limit', '1'], withKey);
    assert.match(found.stdout, /^1\. score 0\.\d{4} \(text \+ vector\) — Cenník Bright Smile Dental > Estetika a protetika \[sk\]\n {3}Služba: Bielenie zubov v ambulancii; Cena: 250 €/);

    // Refused by the server, said by the command as the server says it.
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'pa-knowledge-bad-')), 'notes.docx');
    writeFileSync(bad, 'PK');
    const failed = await runCli(['add', bad], withKey);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /error: notes\.docx: not a readable Word document \(it is not a zip archive, or it is cut short, so it is no \.docx\)\n/);

    const reindexed = await runCli(['reindex', '--all'], withKey);
    assert.equal(reindexed.stdout.trim(), 're-embedded 5 documents with text-embedding-3-small');

    const listed = await runCli(['list'], withKey);
    const id = /'([0-9a-f-]{36})' │ 'garantii\.txt'/.exec(listed.stdout)?.[1];
    assert.ok(id, listed.stdout);
    assert.equal((await runCli(['remove', id], withKey)).stdout.trim(), `removed ${id}`);
    const again = await runCli(['remove', id], withKey);
    assert.match(again.stderr, new RegExp(`no document with id ${id}; knowledge list shows them`));
  });
});

describe('phone-assistant knowledge on PostgreSQL (DATABASE_URL) while the server runs on it', { skip: postgresSkip }, () => {
  let standIn: LlmStandIn;
  let database: TestDatabase;
  let server: ServerProcess;
  let env: Record<string, string>;

  before(async () => {
    standIn = await startLlmStandIn();
    database = (await createTestDatabase())!;
    env = { DATABASE_URL: database.url, OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-test' };
    server = await startServerProcess({ ...env, API_KEY: 'knowledge-cli-key-0123456789' });
  });
  after(async () => {
    if (server) await killAndWait(server.child);
    await database?.drop();
    await standIn?.close();
  });

  it('adds to the database itself, and the running server answers from what it added', async () => {
    // No API_KEY: a server holds no lock on PostgreSQL, so the command works on the database directly.
    const added = await runCli(['add', 'knowledge/sample/cennik.md'], env);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /^knowledge base in PostgreSQL \(DATABASE_URL\); retrieval: full text \+ vectors \(real\[\] in the database\)/);
    assert.match(added.stdout, /^cennik\.md: added, 5 passages/);

    // The server reads the knowledge base's change counter at most once a second: another process's addition shows within a few.
    const firstFound = async (): Promise<string | undefined> => {
      const served = await fetch(`${server.url}/v1/knowledge/search?${new URLSearchParams({ q: 'Koľko stojí bielenie zubov?', language: 'sk' })}`, {
        headers: { authorization: 'Bearer knowledge-cli-key-0123456789' },
      });
      return ((await served.json()) as { items: { text: string }[] }).items[0]?.text;
    };
    let found = await firstFound();
    for (let tries = 0; found === undefined && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      found = await firstFound();
    }
    assert.match(found ?? '', /Bielenie zubov v ambulancii; Cena: 250 €/);
    // The server said once, when it started, which vector store it uses.
    const said = server.output().split('\n').filter((line) => line.includes('"msg":"knowledge base ready"'));
    assert.equal(said.length, 1, server.output());
    assert.match(said[0]!, /"retrieval":"full text \+ vectors \(real\[\] in the database\), embeddings from text-embedding-3-small"/);
  });
});
