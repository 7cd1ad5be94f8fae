// Db over embedded PGlite: one in-process connection that runs each call after the one before it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { inStatementSpan } from '../telemetry/statement-span.ts';
import type { Db, Queryable } from './db.ts';
import { DATE_OID, INT8_OID, parseDate, parseInt8 } from './value-types.ts';

// PGlite queues db.query behind an open transaction, so awaiting it from inside that
// transaction would hang the whole process; this marks such code so it fails loudly instead.
const insideTransaction = new AsyncLocalStorage<true>();

// PostgreSQL's default 128 MB buffer pool lives in PGlite's WebAssembly memory, and makes up half the idle
// server's resident memory. A receptionist's working set is small, and pages outside the pool are a read
// away in the OS page cache (on disk) or in the in-memory file system.
const SHARED_BUFFERS = '16MB';

/** Opens PGlite in `dataDir` (created and initialised on first use), or in memory when undefined. */
export async function openPglite(dataDir: string | undefined): Promise<Db> {
  const pglite = await PGlite.create(dataDir, {
    parsers: { [INT8_OID]: parseInt8, [DATE_OID]: parseDate },
    // Trigram indexes serve the dashboard's customer search (migration 010); PGlite ships the extension but loads only what it is given.
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
  });
  let pending = 0;
  let closing: Promise<void> | undefined;

  // PGlite's own mutex already keeps plain queries out of a running transaction; this only
  // counts the queue for stats() and refuses the self-deadlock.
  async function queued<T>(run: () => Promise<T>): Promise<T> {
    if (insideTransaction.getStore()) {
      throw new Error('db.query or db.transaction called inside a transaction would wait for itself on PGlite: use the tx given to the transaction');
    }
    pending += 1;
    try {
      return await run();
    } finally {
      pending -= 1;
    }
  }

  return {
    kind: 'pglite',
    query<Row extends object>(sql: string, params?: readonly unknown[]) {
      return queued(() => inStatementSpan(sql, () => runQuery<Row>(pglite, sql, params)));
    },
    transaction<T>(work: (tx: Queryable) => Promise<T>) {
      return queued(() => pglite.transaction((tx) => insideTransaction.run(true, () => work(wrapTransaction(tx)))));
    },
    stats: () => ({ total: 1, idle: pending === 0 ? 1 : 0, waiting: Math.max(0, pending - 1) }),
    close: () => (closing ??= pglite.close()),
  };
}

function wrapTransaction(tx: Transaction): Queryable {
  return {
    query<Row extends object>(sql: string, params?: readonly unknown[]) {
      return inStatementSpan(sql, () => runQuery<Row>(tx, sql, params));
    },
  };
}

async function runQuery<Row extends object>(
  target: PGlite | Transaction,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<{ rows: Row[] }> {
  if (params === undefined || params.length === 0) {
    // Without parameters pg uses the simple protocol, which accepts several statements (migrations);
    // exec is PGlite's simple protocol, so the same SQL behaves alike on both.
    const results = await target.exec(sql);
    return { rows: (results.at(-1)?.rows ?? []) as Row[] };
  }
  const result = await target.query<Row>(sql, [...params]);
  return { rows: result.rows };
}
