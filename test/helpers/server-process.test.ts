// The process helpers leave nothing running: not after a start that never becomes healthy, not after a test that hangs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually, spawnNode, waitHealthy } from './server-process.ts';

const SERVER_PROCESS = path.resolve(import.meta.dirname, 'server-process.ts');
const ROOT = path.resolve(import.meta.dirname, '../..');

// Never listens, and shrugs off SIGTERM: only SIGKILL ends it.
const NEVER_HEALTHY = 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);';

/** Whether `pid` is a live process; a zombie waiting for its parent to reap it counts as gone. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('spawned processes', () => {
  it('kills a child that never becomes healthy, and fails with what it printed', async () => {
    const child = await spawnNode(['-e', `console.log('starting up'); ${NEVER_HEALTHY}`], {});
    const pid = child.child.pid!;
    assert.ok(isRunning(pid));
    await assert.rejects(waitHealthy(child, 1_500), /was not healthy within 1500 ms and was killed:\nstarting up/);
    assert.equal(isRunning(pid), false, `process ${pid} is still running`);
  });

  it('fails at once, with the output, when the child exits before it is healthy', async () => {
    const child = await spawnNode(['-e', 'console.error("port in use"); process.exit(3)'], {});
    await assert.rejects(waitHealthy(child), /exited \(code 3\) before it was healthy:\nport in use/);
  });

  it('reports a test that hangs by its name under the npm test flags, and kills what it started', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-hung-test-'));
    const pidFile = path.join(dir, 'child.pid');
    const testFile = path.join(dir, 'hangs.test.ts');
    writeFileSync(
      testFile,
      `import { writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { spawnNode } from ${JSON.stringify(SERVER_PROCESS)};
it('waits forever on a server that never answers', async () => {
  const server = await spawnNode(['-e', ${JSON.stringify(NEVER_HEALTHY)}], {});
  writeFileSync(${JSON.stringify(pidFile)}, String(server.child.pid));
  await new Promise(() => {});
});
`,
    );
    // The flags of package.json's test script that bound a stuck test, with a shorter timeout.
    const testScript = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
    assert.match(testScript, /--test-timeout=\d+/);
    assert.match(testScript, /--test-force-exit/);
    // A clean environment: inherited, NODE_TEST_CONTEXT would make the inner runner skip the file.
    const run = spawnSync(process.execPath, ['--test', '--test-timeout=3000', '--test-force-exit', testFile], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });

    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /✖ waits forever on a server that never answers/);
    assert.match(run.stdout, /test timed out after 3000ms/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return eventually(() => !isRunning(pid), 5_000, () => `process ${pid}, started by the hung test, is still running`);
  });
});
