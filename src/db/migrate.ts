// Applies src/db/migrations/*.sql in name order, each once, even when several instances start together.
import { readdir, readFile } from 'node:fs/promises';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

// Any fixed number works, as long as every instance of this app uses the same one.
const MIGRATION_LOCK_ID = 7_142_803_356_001;

/** Returns the versions (file names without .sql) applied by this call. */
export async function migrate(db: Db, log?: (msg: string) => void): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.slice(0, -'.sql'.length);
    const sql = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8');
    const appliedNow = await db.transaction(async (tx) => {
      // The lock serialises instances; the checks after it see what a previous holder committed.
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`);
      await tx.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (rows.length > 0) return false;
      await tx.query(sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      return true;
    });
    if (appliedNow) {
      applied.push(version);
      log?.(`applied migration ${version}`);
    }
  }
  return applied;
}
