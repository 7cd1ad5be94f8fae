// The embedded database in DATA_DIR: locked for this process, created from the prepared template on first start, then opened.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { lockDataDir, type DataDirUse } from './data-dir-lock.ts';
import type { Db } from './db.ts';
import type { DbLogger } from './open-db.ts';
import { openPglite } from './pglite-db.ts';
import { createFromTemplate, hasCluster, preparePgliteTemplate, TEMPLATE_CACHE_DIR } from './pglite-template.ts';

/** PGlite in `dataDir`/pglite, held by this process until the returned Db is closed. */
export async function openEmbedded(dataDir: string, use: DataDirUse, logger?: DbLogger, templateCacheDir = TEMPLATE_CACHE_DIR): Promise<Db> {
  await mkdir(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir, use);
  try {
    // A subdirectory, because DATA_DIR also holds files that are not the database's.
    const pgliteDir = path.join(dataDir, 'pglite');
    await prepareCluster(pgliteDir, templateCacheDir, logger);
    const db = await openPglite(pgliteDir);
    return {
      ...db,
      async close() {
        try {
          await db.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Makes sure `pgliteDir` holds a database, copying the template when it is new; says what it does, as a first start takes a while. */
async function prepareCluster(pgliteDir: string, templateCacheDir: string, logger?: DbLogger): Promise<void> {
  if (await hasCluster(pgliteDir)) {
    logger?.info(`opening the embedded database in ${pgliteDir}`);
    return;
  }
  if (!(await isEmptyOrAbsent(pgliteDir))) {
    // Not ours to replace (an initdb cut short, say): PGlite initialises it in place, as it would without a template.
    logger?.info(`creating the embedded database in ${pgliteDir} (first start: initdb inside WebAssembly, a few seconds)`);
    return;
  }
  try {
    const template = await preparePgliteTemplate(templateCacheDir, () =>
      logger?.info(`first start: preparing an empty embedded database (initdb inside WebAssembly, a few seconds; kept in ${templateCacheDir})`),
    );
    logger?.info(`creating the embedded database in ${pgliteDir} from the prepared template`);
    await createFromTemplate(template, pgliteDir);
  } catch (err) {
    logger?.warn({ err: err as Error }, `no prepared template: creating the embedded database in ${pgliteDir} in place (initdb inside WebAssembly, a few seconds)`);
  }
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}
