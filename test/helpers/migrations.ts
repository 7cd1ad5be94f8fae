// The migration versions shipped in src/db/migrations, in the order they apply.
import { readdirSync } from 'node:fs';

export const MIGRATIONS: string[] = readdirSync(new URL('../../src/db/migrations/', import.meta.url))
  .filter((name) => name.endsWith('.sql'))
  .sort()
  .map((name) => name.replace(/\.sql$/, ''));
