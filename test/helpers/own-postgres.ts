// A private PostgreSQL cluster for fault tests: started with initdb/pg_ctl on a free port, frozen and thawed at will.
import { execFile, type ExecFileOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

// Debian installs the server binaries outside PATH, one directory per major version.
const DEBIAN_BIN_ROOT = '/usr/lib/postgresql';
const START_TIMEOUT_S = 60;

export interface OwnPostgres {
  /** postgres://… of the cluster's `postgres` database. */
  url: string;
  /** Stops every process of the cluster (SIGSTOP): connections stay open and nothing answers, as in a failover or partition. */
  freeze(): void;
  /** Lets the frozen processes run again (SIGCONT). */
  thaw(): void;
  /** Thaws, stops the cluster (SIGKILL if it will not stop) and removes its files; safe to call twice. */
  stop(): Promise<void>;
}

function findBinDir(): string | null {
  if (process.env.PG_BIN_DIR) return existsSync(path.join(process.env.PG_BIN_DIR, 'initdb')) ? process.env.PG_BIN_DIR : null;
  if (!existsSync(DEBIAN_BIN_ROOT)) return null;
  const versions = readdirSync(DEBIAN_BIN_ROOT)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(DEBIAN_BIN_ROOT, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(DEBIAN_BIN_ROOT, versions[0], 'bin') : null;
}

/**
 * For node:test's `skip` option: false when a private cluster can be started here, else the
 * reason (printed as a note). In CI a missing initdb fails instead of skipping.
 */
export function ownPostgresSkip(): string | false {
  if (findBinDir()) return false;
  const reason = `initdb not found under ${DEBIAN_BIN_ROOT}/*/bin (or PG_BIN_DIR): fault tests that freeze PostgreSQL skipped`;
  if (process.env.CI) throw new Error(`PostgreSQL server binaries are required in CI: ${reason}`);
  process.stderr.write(`note: ${reason}\n`);
  return reason;
}

/** The processes whose parent is `pid`, read from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses; the fields after its last ')' do not.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Starts a cluster of our own (never the shared one on 5432), as the postgres user when we are root, since initdb refuses root. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const binDir = findBinDir();
  if (!binDir) throw new Error('initdb not found: check ownPostgresSkip() first');
  const root = mkdtempSync(path.join(tmpdir(), 'pa-own-pg-'));
  const dataDir = path.join(root, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgRun = (tool: string, args: string[], options: ExecFileOptions = {}) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(binDir, tool), ...args], options) : run(path.join(binDir, tool), args, options);

  const port = await freePort();
  let postmaster: number | undefined;
  const stopped = { done: false };
  const cluster: OwnPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze() {
      if (postmaster === undefined) return;
      // The postmaster first, so it forks no new backend while its children are stopped.
      signalAll([postmaster], 'SIGSTOP');
      signalAll(childrenOf(postmaster), 'SIGSTOP');
    },
    thaw() {
      if (postmaster === undefined) return;
      signalAll([postmaster, ...childrenOf(postmaster)], 'SIGCONT');
    },
    async stop() {
      if (stopped.done) return;
      stopped.done = true;
      cluster.thaw();
      try {
        await pgRun('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '20']);
      } catch {
        if (postmaster !== undefined) signalAll([postmaster, ...childrenOf(postmaster)], 'SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await pgRun('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
    const settings = [`-p ${port}`, `-k ${root}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c max_connections=40'];
    await pgRun('pg_ctl', ['start', '-D', dataDir, '-w', '-t', String(START_TIMEOUT_S), '-l', path.join(root, 'server.log'), '-o', settings.join(' ')]);
    postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch (err) {
    const log = existsSync(path.join(root, 'server.log')) ? readFileSync(path.join(root, 'server.log'), 'utf8') : '';
    await cluster.stop();
    throw new Error(`could not start a private PostgreSQL: ${(err as Error).message}\n${log}`, { cause: err });
  }
  return cluster;
}
