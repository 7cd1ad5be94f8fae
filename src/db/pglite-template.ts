// An empty PGlite data directory made once per install, copied into a new DATA_DIR instead of running initdb in WebAssembly each first start.
import { constants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/** With the installed packages: `npm install` prepares it (postinstall), and a new PGlite version gets its own. */
export const TEMPLATE_CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/phone-assistant/', import.meta.url));

const TEMPLATE_PREFIX = 'pglite-';

/** Whether `dir` holds a PostgreSQL data directory. */
export async function hasCluster(dir: string): Promise<boolean> {
  try {
    await access(path.join(dir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

/** The template for the installed PGlite under `cacheDir`; `onBuild` is told before one is made (initdb: seconds). */
export async function preparePgliteTemplate(cacheDir = TEMPLATE_CACHE_DIR, onBuild?: () => void): Promise<string> {
  const template = path.join(cacheDir, `${TEMPLATE_PREFIX}${await pgliteVersion()}`);
  if (await hasCluster(template)) return template;
  onBuild?.();
  await mkdir(cacheDir, { recursive: true });
  // Made aside and renamed into place, so that a template is whole or absent, whoever else is making one.
  const building = await mkdtemp(path.join(cacheDir, 'building-'));
  try {
    const pglite = await PGlite.create(building);
    await pglite.close();
    await rename(building, template);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    if (await hasCluster(template)) return template;
    throw error;
  }
  // Templates of PGlite versions no longer installed are 40 MB each of nothing.
  for (const entry of await readdir(cacheDir)) {
    if (entry.startsWith(TEMPLATE_PREFIX) && path.join(cacheDir, entry) !== template) await rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
  return template;
}

/** Copies `template` to `pgliteDir`, which must be absent or empty; a copy cut short leaves no half database behind. */
export async function createFromTemplate(template: string, pgliteDir: string): Promise<void> {
  const partial = `${pgliteDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await copyTree(template, partial);
  await rmdir(pgliteDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(partial, pgliteDir);
}

// About 1,000 small files: copied all at once (libuv's thread pool paces them), this takes a tenth of fs.cp's time,
// which copies one file after another. Modes are kept: PostgreSQL wants its directories private.
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: (await stat(from)).mode & 0o777 });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map((entry) => {
      const [source, target] = [path.join(from, entry.name), path.join(to, entry.name)];
      // A copy-on-write clone where the file system can, a plain copy elsewhere.
      return entry.isDirectory() ? copyTree(source, target) : copyFile(source, target, constants.COPYFILE_FICLONE);
    }),
  );
}

async function pgliteVersion(): Promise<string> {
  // The package exports no package.json; it sits above the entry point, dist/index.js.
  const packageJson = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(await readFile(packageJson, 'utf8')) as { version: string }).version;
}
