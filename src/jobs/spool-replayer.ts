// Offers the webhooks kept in the spool to the database every interval, and removes each once it is stored.
import { DbUnavailableError, type Db } from '../db/db.ts';
import type { Spool } from './spool.ts';
import { describeWebhook, spooledWebhook, storeWebhook, type SpoolLogger, type SpooledWebhook } from './webhook-spool.ts';

export interface SpoolReplayer {
  /** One pass over the spool; resolves with how many entries it stored or found stored. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

export interface SpoolReplayerDeps {
  spool: Spool;
  db: Db;
  log: SpoolLogger;
  intervalMs: number;
}

export function startSpoolReplayer(deps: SpoolReplayerDeps): SpoolReplayer {
  const { spool, db, log } = deps;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function readEntries(): Promise<{ id: string; record: SpooledWebhook }[]> {
    const entries = await spool.list((file, err) => log.error({ err, file }, 'unreadable spool entry set aside'));
    const records: { id: string; record: SpooledWebhook }[] = [];
    for (const entry of entries) {
      const parsed = spooledWebhook.safeParse(entry.value);
      if (parsed.success) {
        records.push({ id: entry.id, record: parsed.data });
      } else {
        log.error({ file: entry.id, problem: parsed.error.issues[0]?.message }, 'invalid spool entry set aside');
        await spool.setAside(entry.id);
      }
    }
    // Oldest first, so a thread reads in the order it was written.
    return records.sort((a, b) => a.record.receivedAt.localeCompare(b.record.receivedAt));
  }

  async function pass(): Promise<number> {
    let done = 0;
    for (const { id, record } of await readEntries()) {
      try {
        const stored = await storeWebhook(db, record);
        await spool.remove(id);
        done += 1;
        log.info({ ...describeWebhook(record), stored }, stored ? 'kept webhook stored' : 'kept webhook had been stored already');
      } catch (err) {
        if (err instanceof DbUnavailableError) {
          // The rest would fail alike: wait for the next pass.
          log.warn({ ...describeWebhook(record), reason: err.message }, 'database still unavailable: kept webhooks wait');
          break;
        }
        log.error({ ...describeWebhook(record), err }, 'storing a kept webhook failed; it stays in the spool');
      }
    }
    return done;
  }

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => (running = undefined));
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => log.error({ err }, 'spool replay failed'))
        .finally(schedule);
    }, deps.intervalMs);
    // A pending replay is no reason to keep the process alive.
    timer.unref();
  }

  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
