// A durable spool on disk: one fsynced JSON file per entry, for work that must outlive a database outage and a restart.
//
// One file per entry rather than one append-only log: an entry is written whole or not at all
// (temporary file, fsync, rename, fsync of the directory), its id makes a second write of the
// same webhook idempotent, and removing it once stored needs no compaction.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

const SUFFIX = '.json';
// Ids become file names: nothing that could leave the directory or hide a file.
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface SpoolEntry {
  id: string;
  /** The parsed JSON, unchecked: the reader validates it. */
  value: unknown;
}

export interface Spool {
  readonly dir: string;
  /** Resolves once the entry is on disk (fsynced); a second put with the same id replaces it. */
  put(id: string, value: unknown): Promise<void>;
  /** The entries, in no particular order; a file that cannot be read or parsed is set aside, not retried. */
  list(onBadEntry?: (file: string, err: unknown) => void): Promise<SpoolEntry[]>;
  /** Removes the entry; removing one already gone is fine (another process may have stored it). */
  remove(id: string): Promise<void>;
  /** Renames the entry to `<id>.json.bad`: kept for a person to look at, never offered again. */
  setAside(id: string): Promise<void>;
}

function checkId(id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`spool id must match ${SAFE_ID}: ${JSON.stringify(id)}`);
  return id;
}

async function fsyncPath(target: string, flags: string): Promise<void> {
  const handle = await open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Opens (creating it when needed) the spool in `dir`. */
export async function openSpool(dir: string): Promise<Spool> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileOf = (id: string) => path.join(dir, `${checkId(id)}${SUFFIX}`);

  return {
    dir,
    async put(id, value) {
      const target = fileOf(id);
      // The temporary name is unique, so concurrent writers never share a half-written file.
      const temporary = path.join(dir, `.${id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(value));
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temporary, target);
      } catch (err) {
        await unlink(temporary).catch(() => undefined);
        throw err;
      }
      // The rename itself is durable only once the directory is synced.
      await fsyncPath(dir, 'r');
    },
    async list(onBadEntry) {
      const names = (await readdir(dir)).filter((name) => name.endsWith(SUFFIX) && !name.startsWith('.'));
      const entries: SpoolEntry[] = [];
      for (const name of names) {
        const id = name.slice(0, -SUFFIX.length);
        try {
          entries.push({ id, value: JSON.parse(await readFile(path.join(dir, name), 'utf8')) });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          onBadEntry?.(name, err);
          await setAside(id);
        }
      }
      return entries;
    },
    async remove(id) {
      try {
        await unlink(fileOf(id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
    setAside,
  };

  async function setAside(id: string): Promise<void> {
    await rename(fileOf(id), `${fileOf(id)}.bad`).catch(() => undefined);
  }
}
