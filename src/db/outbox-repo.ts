// The outbox: durable jobs claimed with FOR UPDATE SKIP LOCKED, so two instances never run one job at once; finished ones deleted after a while.
import { currentTraceparent } from '../telemetry/spans.ts';
import type { Queryable } from './db.ts';

export interface OutboxJob {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  createdAt: Date;
  /** The trace of the work that enqueued it, continued when the job runs; null when tracing was off. */
  traceparent: string | null;
}

interface OutboxRow {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  created_at: Date;
  traceparent: string | null;
}

const toJob = (row: OutboxRow): OutboxJob => ({ id: row.id, kind: row.kind, payload: row.payload, attempts: row.attempts, createdAt: row.created_at, traceparent: row.traceparent });

export interface NewOutboxJob {
  kind: string;
  payload: unknown;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /**
   * At most one unfinished job per key. Another enqueue with the key moves the pending job's run
   * time: to the later one (`postpone`, e.g. an SMS thread still going) or the earlier (`earliest`).
   */
  dedupKey?: { key: string; onConflict: 'postpone' | 'earliest' };
}

/** Adds a job; returns its id (the pending job's own when the key was taken). */
export async function enqueueJob(db: Queryable, job: NewOutboxJob): Promise<string> {
  const params = [job.kind, JSON.stringify(job.payload), job.dedupKey?.key ?? null, job.delayMs ?? 0, currentTraceparent()];
  if (!job.dedupKey) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO outbox_jobs (kind, payload, dedup_key, run_at, traceparent) VALUES ($1, $2::jsonb, $3, now() + $4::int * interval '1 millisecond', $5) RETURNING id`,
      params,
    );
    return rows[0]!.id;
  }
  const pick = job.dedupKey.onConflict === 'postpone' ? 'greatest' : 'least';
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO outbox_jobs (kind, payload, dedup_key, run_at, traceparent) VALUES ($1, $2::jsonb, $3, now() + $4::int * interval '1 millisecond', $5)
     ON CONFLICT (dedup_key) WHERE done_at IS NULL AND failed_at IS NULL
     DO UPDATE SET run_at = ${pick}(outbox_jobs.run_at, excluded.run_at)
     RETURNING id`,
    params,
  );
  return rows[0]!.id;
}

/**
 * Takes up to `limit` due jobs for `leaseMs`: no other worker gets them until the lease ends,
 * which is how a job held by a worker that died comes back. SKIP LOCKED lets two workers
 * claim at once without waiting on each other's rows.
 */
export async function claimJobs(db: Queryable, limit: number, leaseMs: number): Promise<OutboxJob[]> {
  const { rows } = await db.query<OutboxRow>(
    `UPDATE outbox_jobs SET locked_until = now() + $2::int * interval '1 millisecond', attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM outbox_jobs
       WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= now() AND (locked_until IS NULL OR locked_until <= now())
       ORDER BY run_at LIMIT $1
       FOR UPDATE SKIP LOCKED
     )
     RETURNING id, kind, payload, attempts, created_at, traceparent`,
    [limit, leaseMs],
  );
  return rows.map(toJob);
}

export async function completeJob(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE outbox_jobs SET done_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1`, [id]);
}

/** Schedules another attempt in `retryInMs`, or gives up (`retryInMs` null). */
export async function failJob(db: Queryable, id: string, error: string, retryInMs: number | null): Promise<void> {
  await db.query(
    `UPDATE outbox_jobs SET locked_until = NULL, last_error = $2,
       run_at = CASE WHEN $3::int IS NULL THEN run_at ELSE now() + $3::int * interval '1 millisecond' END,
       failed_at = CASE WHEN $3::int IS NULL THEN now() ELSE NULL END
     WHERE id = $1`,
    [id, error.slice(0, 500), retryInMs],
  );
}

/**
 * Deletes up to `limit` finished jobs: done ones older than `doneRetentionMs`, given-up ones older
 * than `failedRetentionMs` (kept longer, to look into). Returns how many went.
 */
export async function deleteFinishedJobs(db: Queryable, options: { doneRetentionMs: number; failedRetentionMs: number; limit: number }): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM outbox_jobs WHERE id IN (
         SELECT id FROM outbox_jobs
         WHERE done_at < now() - $1::bigint * interval '1 millisecond' OR failed_at < now() - $2::bigint * interval '1 millisecond'
         LIMIT $3
       ) RETURNING 1
     )
     SELECT count(*)::int AS n FROM gone`,
    [options.doneRetentionMs, options.failedRetentionMs, options.limit],
  );
  return rows[0]!.n;
}

export interface OutboxJobState {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  done: boolean;
  failed: boolean;
  lastError: string | null;
}

/** Every job of `kind`, oldest first: for the owner's views and tests. */
export async function listJobs(db: Queryable, kind: string): Promise<OutboxJobState[]> {
  const { rows } = await db.query<OutboxRow & { done_at: Date | null; failed_at: Date | null; last_error: string | null }>(
    `SELECT id, kind, payload, attempts, created_at, done_at, failed_at, last_error FROM outbox_jobs WHERE kind = $1 ORDER BY created_at, id`,
    [kind],
  );
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    payload: row.payload,
    attempts: row.attempts,
    done: row.done_at !== null,
    failed: row.failed_at !== null,
    lastError: row.last_error,
  }));
}
