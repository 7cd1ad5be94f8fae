// Runs due outbox jobs: claims a batch, runs each, and records success, a retry with backoff, or giving up; now and then deletes old finished ones.
import type { Logger } from 'pino';
import { DbUnavailableError, type Db } from '../db/db.ts';
import { claimJobs, completeJob, deleteFinishedJobs, failJob, type OutboxJob } from '../db/outbox-repo.ts';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, storedTraceContext } from '../telemetry/spans.ts';

/**
 * Does a job's work; throws to have it retried, or PermanentJobError when a retry cannot help.
 * `givenUp`, when set, is told once the job will not run again, to record that where it shows.
 */
export type JobHandler = ((job: OutboxJob, signal: AbortSignal) => Promise<void>) & {
  givenUp?: (job: OutboxJob, reason: string) => Promise<void>;
};

export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

export interface OutboxWorkerDeps {
  db: Db;
  log: Logger;
  handlers: Readonly<Record<string, JobHandler>>;
  pollIntervalMs: number;
  /** How long a claimed job is this worker's; longer than any handler may take (each is bounded). */
  leaseMs?: number;
  batchSize?: number;
  /** Retries go on until a job is this old: at least a day, so a receiver down overnight still gets everything. */
  retryWindowMs?: number;
  /** The first retry's delay; each next one doubles, up to `maxRetryDelayMs`. */
  firstRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Deleting finished jobs: how often (per instance), how long each kind is kept, how many one statement deletes. */
  cleanup?: Partial<CleanupOptions>;
}

export interface CleanupOptions {
  intervalMs: number;
  doneRetentionMs: number;
  failedRetentionMs: number;
  batchSize: number;
  /** Bounds one clean-up; what is left goes at the next. */
  maxBatches: number;
}

const DAY_MS = 24 * 60 * 60_000;
const DEFAULT_CLEANUP: CleanupOptions = { intervalMs: 60 * 60_000, doneRetentionMs: 7 * DAY_MS, failedRetentionMs: 30 * DAY_MS, batchSize: 500, maxBatches: 20 };

export interface OutboxWorker {
  /** One claim and run; resolves with how many jobs it ran. */
  runOnce(): Promise<number>;
  /** Runs due jobs now rather than at the next poll: a job was just enqueued (and committed) that should not wait. */
  nudge(): void;
  /** Stops polling and waits for jobs under way (their handlers are told to stop). */
  stop(): Promise<void>;
}

const DEFAULT_LEASE_MS = 5 * 60_000;
const DEFAULT_RETRY_WINDOW_MS = 26 * 60 * 60_000;

/** The delay before attempt `attempts + 1`, with ±20 % jitter so a receiver back from an outage is not hit all at once. */
export function retryDelayMs(attempts: number, firstMs: number, maxMs: number): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function startOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const { db, log } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const retryWindowMs = deps.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS;
  const firstRetryDelayMs = deps.firstRetryDelayMs ?? 5_000;
  const maxRetryDelayMs = deps.maxRetryDelayMs ?? 60 * 60_000;
  const batchSize = deps.batchSize ?? 10;
  const cleanup: CleanupOptions = { ...DEFAULT_CLEANUP, ...deps.cleanup };
  const stopping = new AbortController();
  let lastCleanupMs: number | null = null;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function runJob(job: OutboxJob): Promise<void> {
    const handler = deps.handlers[job.kind];
    try {
      if (!handler) throw new PermanentJobError(`no handler for jobs of kind ${job.kind}`);
      // A span in the trace of the turn that enqueued the job: a webhook's delivery shows beside the call it reports.
      await inSpan(`outbox ${job.kind}`, { kind: SpanKind.CONSUMER, parent: storedTraceContext(job.traceparent), attributes: { 'outbox.job.kind': job.kind, 'outbox.job.attempt': job.attempts } }, () => handler(job, stopping.signal));
      await completeJob(db, job.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delayMs = retryDelayMs(job.attempts, firstRetryDelayMs, maxRetryDelayMs);
      const giveUp = error instanceof PermanentJobError || Date.now() - job.createdAt.getTime() + delayMs > retryWindowMs;
      log.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, error: message, retryInMs: giveUp ? null : delayMs }, giveUp ? 'job given up' : 'job failed; retrying later');
      // Before the job is marked: should this instance die in between, the job runs again and is told again.
      if (giveUp && handler?.givenUp) await handler.givenUp(job, message);
      await failJob(db, job.id, message, giveUp ? null : delayMs);
    }
  }

  /** Finished jobs would otherwise pile up for ever: a few bounded DELETEs, at most once per interval. */
  async function cleanUpIfDue(): Promise<void> {
    if (lastCleanupMs !== null && Date.now() - lastCleanupMs < cleanup.intervalMs) return;
    lastCleanupMs = Date.now();
    let deleted = 0;
    for (let batch = 0; batch < cleanup.maxBatches && !stopping.signal.aborted; batch += 1) {
      const n = await deleteFinishedJobs(db, { doneRetentionMs: cleanup.doneRetentionMs, failedRetentionMs: cleanup.failedRetentionMs, limit: cleanup.batchSize });
      deleted += n;
      if (n < cleanup.batchSize) break;
    }
    if (deleted > 0) log.info({ deleted }, 'finished outbox jobs deleted');
  }

  async function pass(): Promise<number> {
    const jobs = await claimJobs(db, batchSize, leaseMs);
    await Promise.all(jobs.map((job) => runJob(job).catch((err: unknown) => log.error({ err, jobId: job.id }, 'job outcome not recorded; it runs again after its lease'))));
    await cleanUpIfDue().catch((err: unknown) => log.warn({ err }, 'finished outbox jobs could not be deleted; trying again later'));
    return jobs.length;
  }

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => (running = undefined));
    return running;
  }

  /** (Re)sets the one pending wake-up. */
  function schedule(delayMs: number): void {
    if (stopping.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      runOnce()
        // A full batch suggests more are due: go on at once.
        .then((ran) => schedule(ran >= batchSize ? 0 : deps.pollIntervalMs))
        .catch((err: unknown) => {
          if (err instanceof DbUnavailableError) log.warn({ reason: err.message }, 'database unavailable: jobs wait');
          else log.error({ err }, 'outbox pass failed');
          schedule(deps.pollIntervalMs);
        });
    }, delayMs);
    timer.unref();
  }

  function nudge(): void {
    // A pass under way may have claimed before the new job was committed: another follows it at once.
    if (running) void running.catch(() => undefined).finally(() => schedule(0));
    else schedule(0);
  }

  schedule(deps.pollIntervalMs);
  return {
    runOnce,
    nudge,
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
