// `phone-assistant migrate`: brings the configured database's schema up to date and says what it did.
import { loadConfig, type Config } from '../src/config.ts';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDb, type DbLogger } from '../src/db/open-db.ts';
import { CliError } from './cli-error.ts';

const consoleLogger: DbLogger = {
  info: (msg) => console.log(msg),
  warn: ({ err }, msg) => console.error(`${msg}: ${err.message}`),
};

export async function runMigrate(): Promise<number> {
  const config = loadConfig(process.env);
  const where = config.database.url ? `PostgreSQL at ${describePostgres(config.database.url)}` : `PGlite in ${config.database.dataDir}`;
  const db = await open(config.database);
  try {
    const applied = await migrate(db, (msg) => console.log(msg));
    const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    const latest = rows.at(-1)?.version ?? 'none';
    const summary = applied.length === 0 ? 'already up to date' : `${applied.length} applied now`;
    console.log(`database ${where}: ${summary}; ${rows.length} migrations in all, latest ${latest}`);
  } finally {
    await db.close();
  }
  return 0;
}

async function open(config: Config['database']): Promise<Db> {
  try {
    return await openDb(config, consoleLogger, { use: 'migrate', migrate: false });
  } catch (error) {
    // A server running on the same embedded database: said in one line, not as a crash.
    if (error instanceof DataDirLockedError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

// Host, port and database name only: the URL's user name and password stay off the screen.
function describePostgres(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
