// Scrape-time gauges read from the database: whether it answers, and how far the outbox (webhooks, texts, summaries) is behind.
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/db.ts';
import { databaseProbe, runChecks } from './readiness.ts';

// One pass over the jobs not done: pending ones and those given up (kept for a while); done ones, most of the table, are left out.
const OUTBOX_SQL = `SELECT
    count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL)::int AS pending,
    count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now())::int AS due,
    count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS failed,
    coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now())), 0)::float8 AS oldest_due_seconds
  FROM outbox_jobs WHERE done_at IS NULL`;

interface OutboxRow {
  pending: number;
  due: number;
  failed: number;
  oldest_due_seconds: number;
}

export interface StoreMetricsDeps {
  db: Db;
  prefix: string;
  /** Told when the outbox could not be read; the scrape still answers. */
  onCollectError(error: unknown): void;
}

export function registerStoreMetrics(registry: Registry, { db, prefix, onCollectError }: StoreMetricsDeps): void {
  const registers = [registry];
  // The readiness probe, bounded by its timeout: a scrape is not held up by a database that does not answer.
  new Gauge({
    name: `${prefix}database_up`,
    help: 'Whether the database answered a trivial query within the readiness timeout at scrape time (1) or not (0)',
    registers,
    async collect() {
      const { ready } = await runChecks({ database: databaseProbe(db) });
      this.set(ready ? 1 : 0);
    },
  });
  // A scrape collects its metrics in registration order: the first gauge reads the outbox, the second waits for that read.
  let outboxRead: Promise<OutboxRow | null> = Promise.resolve(null);
  const readOutbox = async (): Promise<OutboxRow | null> => {
    try {
      return (await db.query<OutboxRow>(OUTBOX_SQL)).rows[0]!;
    } catch (error) {
      // Like active_calls: the last values stay, the rest of the scrape still answers.
      onCollectError(error);
      return null;
    }
  };
  new Gauge({
    name: `${prefix}outbox_jobs`,
    help: 'Outbox jobs (business webhooks, texts, summaries) by state: pending (not finished), due (pending and past their run time), failed (given up, kept for a while)',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      outboxRead = readOutbox();
      const row = await outboxRead;
      if (!row) return;
      this.set({ state: 'pending' }, row.pending);
      this.set({ state: 'due' }, row.due);
      this.set({ state: 'failed' }, row.failed);
    },
  });
  new Gauge({
    name: `${prefix}outbox_oldest_due_seconds`,
    help: 'How long the oldest due outbox job has been waiting past its run time (0 when none is due); the same for every instance on one database',
    registers,
    async collect() {
      const row = await outboxRead;
      if (row) this.set(row.oldest_due_seconds);
    },
  });
}
