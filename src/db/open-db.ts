// openDb: the one place that picks PostgreSQL or embedded PGlite, then brings the schema up to date.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite-db.ts';
import { openPostgres } from './postgres-db.ts';

/** The slice of a pino logger this needs. */
export interface DbLogger {
  info(msg: string): void;
  warn(obj: { err: Error }, msg: string): void;
}

/** PostgreSQL when `url` is set, else PGlite under `dataDir`; migrated before it is returned. */
export async function openDb(config: Config['database'], logger?: DbLogger): Promise<Db> {
  let db: Db;
  if (config.url) {
    db = await openPostgres({
      url: config.url,
      poolSize: config.poolSize,
      poolMaxOverflow: config.poolMaxOverflow,
      poolIdleTimeoutMs: config.poolIdleTimeoutMs,
      poolAcquireTimeoutMs: config.poolAcquireTimeoutMs,
      queryTimeoutMs: config.queryTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      onIdleConnectionError: (err) => logger?.warn({ err }, 'database dropped an idle pooled connection'),
    });
  } else {
    // A subdirectory, because DATA_DIR also holds files that are not the database's.
    const pgliteDir = path.join(config.dataDir, 'pglite');
    await mkdir(pgliteDir, { recursive: true });
    db = await openPglite(pgliteDir);
  }
  try {
    await migrate(db, (msg) => logger?.info(msg));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
