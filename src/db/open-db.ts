// openDb: the one place that picks PostgreSQL or embedded PGlite, then brings the schema up to date.
import type { Config } from '../config.ts';
import type { DataDirUse } from './data-dir-lock.ts';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';

/** The slice of a pino logger this needs. */
export interface DbLogger {
  info(msg: string): void;
  warn(obj: { err: Error }, msg: string): void;
}

export interface OpenDbOptions {
  /** What this process is, as told to another one that finds DATA_DIR taken (default: server). */
  use?: DataDirUse;
  /** Apply the migrations before returning (default: true). */
  migrate?: boolean;
}

/** PostgreSQL when `url` is set, else PGlite under `dataDir`, which this process then holds alone until close. */
export async function openDb(config: Config['database'], logger?: DbLogger, options: OpenDbOptions = {}): Promise<Db> {
  const startedMs = performance.now();
  // Each backend's modules load only when it is the one chosen.
  let db: Db;
  if (config.url) {
    const { openPostgres } = await import('./postgres-db.ts');
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
    const { openEmbedded } = await import('./open-embedded.ts');
    db = await openEmbedded(config.dataDir, options.use ?? 'server', logger);
  }
  if (options.migrate !== false) {
    try {
      await migrate(db, (msg) => logger?.info(msg));
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  if (db.kind === 'pglite') logger?.info(`embedded database ready in ${Math.round(performance.now() - startedMs)} ms`);
  return db;
}
