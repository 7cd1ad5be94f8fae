// The DATA_DIR lock: one holder at a time, named to whoever is refused, and taken over from a holder that was killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DataDirLockedError, lockDataDir, type DataDirUse } from '../../src/db/data-dir-lock.ts';
import { killAndWait, track } from '../helpers/child-processes.ts';

const LOCK_MODULE = path.resolve(import.meta.dirname, '../../src/db/data-dir-lock.ts');
const newDataDir = () => mkdtempSync(path.join(tmpdir(), 'pa-lock-'));

/**
 * Another process that takes the lock and keeps it until killed; resolves once it holds it. It drops the
 * handle and collects garbage first: the lock must hold while nothing references it.
 */
async function holdInChild(dataDir: string, use: DataDirUse) {
  const script = `import { lockDataDir } from ${JSON.stringify(LOCK_MODULE)};
lockDataDir(${JSON.stringify(dataDir)}, ${JSON.stringify(use)});
globalThis.gc();
console.log('locked');
setInterval(() => {}, 1000);`;
  const child = track(spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'locked');
  return child;
}

function refusal(dataDir: string): DataDirLockedError {
  try {
    lockDataDir(dataDir, 'server').release();
  } catch (error) {
    assert.ok(error instanceof DataDirLockedError, String(error));
    return error;
  }
  assert.fail('the lock was taken twice');
}

describe('DATA_DIR lock', () => {
  it('refuses a second holder, naming the first, and is free again once released', () => {
    const dataDir = newDataDir();
    const lock = lockDataDir(dataDir, 'server');
    const error = refusal(dataDir);
    assert.equal(error.holder?.pid, process.pid);
    assert.equal(error.holder?.use, 'server');
    assert.match(
      error.message,
      new RegExp(`^DATA_DIR ${dataDir} is in use by another phone-assistant process \\(server, PID ${process.pid}, since \\S+\\): stop it first, or give this one its own DATA_DIR \\(instances that share data need a PostgreSQL DATABASE_URL\\)$`),
    );
    lock.release();
    lock.release();
    lockDataDir(dataDir, 'migrate').release();
  });

  it('is held by another process until that process is killed, then taken over', async () => {
    const dataDir = newDataDir();
    const holder = await holdInChild(dataDir, 'migrate');
    const error = refusal(dataDir);
    assert.deepEqual([error.holder?.pid, error.holder?.use], [holder.pid, 'migrate']);

    // SIGKILL: no handler runs and the holder's file stays, but the OS drops the lock with the process.
    await killAndWait(holder);
    const lock = lockDataDir(dataDir, 'server');
    assert.equal(refusal(dataDir).holder?.pid, process.pid, 'the new holder is named, not the dead one');
    lock.release();
  });

  it('names nobody rather than a process that is gone, when the holder has not yet said who it is', async () => {
    const dataDir = newDataDir();
    const holder = await holdInChild(dataDir, 'server');
    const gone = track(spawn(process.execPath, ['-e', '']));
    await once(gone, 'exit');
    const holderFile = path.join(dataDir, 'pglite.lock.holder.json');
    // What a holder killed earlier leaves behind, while the new holder is still starting.
    writeFileSync(holderFile, JSON.stringify({ pid: gone.pid, use: 'server', host: hostname(), since: 'then' }));
    const error = refusal(dataDir);
    assert.equal(error.holder, undefined);
    assert.match(error.message, /is in use by another phone-assistant process: stop it first/);
    // A PID on another host (a container sharing the volume) cannot be checked here: it is named with its host.
    writeFileSync(holderFile, JSON.stringify({ pid: gone.pid, use: 'server', host: 'other-host', since: 'then' }));
    assert.match(refusal(dataDir).message, new RegExp(`\\(server, PID ${gone.pid} on host other-host, since then\\)`));
    await killAndWait(holder);
  });

  it('removes the holder file when released', () => {
    const dataDir = newDataDir();
    const lock = lockDataDir(dataDir, 'server');
    assert.ok(existsSync(path.join(dataDir, 'pglite.lock.holder.json')));
    lock.release();
    assert.equal(existsSync(path.join(dataDir, 'pglite.lock.holder.json')), false);
  });
});
