// `phone-assistant migrate`: brings the configured database's schema up to date and says what it did.
import { loadConfig } from '../src/config.ts';
import { openDb } from '../src/db/open-db.ts';

export async function runMigrate(): Promise<number> {
  const config = loadConfig(process.env);
  const where = config.database.url ? `PostgreSQL at ${describePostgres(config.database.url)}` : `PGlite in ${config.database.dataDir}`;
  const applied: string[] = [];
  // openDb migrates as it opens, and reports each migration it applies through the logger.
  const db = await openDb(config.database, {
    info: (msg) => {
      applied.push(msg);
      console.log(msg);
    },
    warn: ({ err }, msg) => console.error(`${msg}: ${err.message}`),
  });
  try {
    const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    const latest = rows.at(-1)?.version ?? 'none';
    const summary = applied.length === 0 ? 'already up to date' : `${applied.length} applied now`;
    console.log(`database ${where}: ${summary}; ${rows.length} migrations in all, latest ${latest}`);
  } finally {
    await db.close();
  }
  return 0;
}

// Host, port and database name only: the URL's user name and password stay off the screen.
function describePostgres(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
