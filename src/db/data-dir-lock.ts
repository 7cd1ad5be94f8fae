// One process at a time in DATA_DIR's embedded database: an exclusive OS file lock, which the kernel drops when its holder dies.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** What a process holds the data directory for, as a second process is told. */
export type DataDirUse = 'server' | 'migrate' | 'knowledge';

export interface DataDirHolder {
  pid: number;
  use: DataDirUse;
  host: string;
  since: string;
  /** Where a server listens, once it does: a command that finds DATA_DIR held goes through its API. */
  url?: string;
}

export interface DataDirLock {
  /** Idempotent; the lock also goes when the process ends, however it ends. */
  release(): void;
}

// A connection that is garbage collected closes, and its lock goes with it: held ones are kept here until released.
const held = new Set<DatabaseSync>();

const LOCK_FILE = 'pglite.lock';
const HOLDER_FILE = 'pglite.lock.holder.json';
const SQLITE_BUSY = 5;

/** Another process holds the data directory; the message is one line naming it and what to do. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly holder: DataDirHolder | undefined;
  constructor(dataDir: string, holder: DataDirHolder | undefined) {
    const who = holder
      ? `another phone-assistant process (${holder.use}, PID ${holder.pid}${holder.host === hostname() ? '' : ` on host ${holder.host}`}, since ${holder.since})`
      : 'another phone-assistant process';
    super(
      `DATA_DIR ${dataDir} is in use by ${who}: stop it first, or give this one its own DATA_DIR ` +
        '(instances that share data need a PostgreSQL DATABASE_URL)',
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/**
 * Takes `dataDir` (which must exist) for this process, or throws DataDirLockedError.
 * The lock is SQLite's own (fcntl on Linux) on a small file, held by an open exclusive transaction:
 * unlike a PID file it cannot go stale — a holder killed with SIGKILL loses it with its last breath —
 * and no reused PID can pass for a live holder.
 */
export function lockDataDir(dataDir: string, use: DataDirUse): DataDirLock {
  const lockDb = new DatabaseSync(path.join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    // The journal in memory: nothing is ever written, so no journal file need lie beside the lock.
    lockDb.exec('PRAGMA journal_mode = MEMORY; BEGIN EXCLUSIVE');
  } catch (error) {
    lockDb.close();
    if (isBusy(error)) throw new DataDirLockedError(dataDir, currentHolder(dataDir));
    throw new Error(`could not lock DATA_DIR ${dataDir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const holderFile = path.join(dataDir, HOLDER_FILE);
  const holder: DataDirHolder = { pid: process.pid, use, host: hostname(), since: new Date().toISOString() };
  writeFileSync(holderFile, `${JSON.stringify(holder)}\n`);
  held.add(lockDb);
  return {
    release() {
      if (!held.delete(lockDb)) return;
      // While still held, so that the next holder's file is never the one removed.
      rmSync(holderFile, { force: true });
      lockDb.close();
    },
  };
}

/**
 * Adds the server's local URL to the holder file of `dataDir`, which this process must hold:
 * `phone-assistant knowledge` reads it there when it cannot open the database itself.
 */
export function announceServerUrl(dataDir: string, url: string): void {
  const holderFile = path.join(dataDir, HOLDER_FILE);
  const holder = JSON.parse(readFileSync(holderFile, 'utf8')) as DataDirHolder;
  if (holder.pid !== process.pid || holder.host !== hostname()) throw new Error(`DATA_DIR ${dataDir} is not held by this process`);
  writeFileSync(holderFile, `${JSON.stringify({ ...holder, url })}\n`);
}

function isBusy(error: unknown): boolean {
  return error instanceof Error && 'errcode' in error && error.errcode === SQLITE_BUSY;
}

/**
 * Who holds the lock, as its holder wrote it. Left by a holder that died, the file names a process that
 * is gone (the new holder is still starting): then nobody is named rather than the wrong one.
 */
function currentHolder(dataDir: string): DataDirHolder | undefined {
  let holder: DataDirHolder;
  try {
    holder = JSON.parse(readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8')) as DataDirHolder;
  } catch {
    return undefined;
  }
  return holder.host !== hostname() || isAlive(holder.pid) ? holder : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
