// Fresh throwaway PostgreSQL databases for tests; skipped with a note when no server answers, except in CI.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { errorText, redactUrl } from '../../src/db/connection-errors.ts';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONNECT_TIMEOUT_MS = 2_000;

export interface TestDatabase {
  url: string;
  /** Disconnects whoever is still connected and drops the database. */
  drop(): Promise<void>;
}

let reachable: Promise<boolean> | undefined;

function probe(): Promise<boolean> {
  reachable ??= withAdmin(async () => true).catch((err: unknown) => {
    const where = redactUrl(ADMIN_URL);
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI but not reachable at ${where}: ${errorText(err)}`, { cause: err });
    process.stderr.write(`note: PostgreSQL not reachable at ${where} (${errorText(err)}); PostgreSQL tests skipped\n`);
    return false;
  });
  return reachable;
}

/**
 * For node:test's `skip` option: false when PostgreSQL answers, else the reason.
 * Usage: `const skip = await pgSkip(); describe('…', { skip }, () => { … })`.
 */
export async function pgSkip(): Promise<string | false> {
  return (await probe()) ? false : `PostgreSQL not reachable at ${redactUrl(ADMIN_URL)}`;
}

/** A new empty database, or null when PostgreSQL is not reachable (outside CI). */
export async function createTestDatabase(): Promise<TestDatabase | null> {
  if (!(await probe())) return null;
  const name = `pa_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(use: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}
