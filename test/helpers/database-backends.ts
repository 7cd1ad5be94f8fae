// The two databases a store test runs on: the embedded PGlite, and a throwaway database on the local PostgreSQL (skipped with a note when it does not answer).
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from './postgres.ts';
import { openTestDb } from './test-app.ts';

export interface DatabaseBackend {
  name: 'PGlite' | 'PostgreSQL';
  /** A reason to skip, or false. */
  skip: string | false;
  /** A migrated database of its own; `drop` closes it and removes what it made. */
  open(): Promise<{ db: Db; drop(): Promise<void> }>;
}

export const databaseBackends: DatabaseBackend[] = [
  {
    name: 'PGlite',
    skip: false,
    async open() {
      const db = await openTestDb();
      return { db, drop: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL',
    skip: await pgSkip(),
    async open() {
      const database = (await createTestDatabase()) as TestDatabase;
      const db = await openPostgres({ url: database.url, poolSize: 1, poolMaxOverflow: 2, poolIdleTimeoutMs: 1000, poolAcquireTimeoutMs: 2000, queryTimeoutMs: 10_000, statementTimeoutMs: 8_000 });
      await migrate(db);
      return {
        db,
        async drop() {
          await db.close();
          await database.drop();
        },
      };
    },
  },
];
