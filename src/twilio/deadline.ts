// A webhook's time budget: Twilio waits 15 s for an answer, so every wait on the way ends by one deadline.
import { timeoutError } from '../timeout-signal.ts';

/** The budget ran out before the work it raced: the webhook answers with its fallback instead. */
export class DeadlineExceededError extends Error {
  constructor(budgetMs: number) {
    super(`no answer within the webhook's ${budgetMs} ms budget`);
    this.name = 'DeadlineExceededError';
  }
}

export interface Deadline {
  /** Aborted once the budget is spent. */
  readonly signal: AbortSignal;
  remainingMs(): number;
  /**
   * Settles as `work` does, or rejects with DeadlineExceededError once the budget is spent first.
   * `work` goes on regardless (a statement already sent cannot be taken back); its late failure is handled.
   */
  race<T>(work: Promise<T>): Promise<T>;
}

/** Starts counting `budgetMs` from now, the moment the request arrived. */
export function startDeadline(budgetMs: number): Deadline {
  const endsAt = performance.now() + budgetMs;
  const remainingMs = () => Math.max(0, endsAt - performance.now());
  let signal: AbortSignal | undefined;
  return {
    // Made on first use: most webhooks only race, and a signal's timer would fire (building its
    // TimeoutError) long after they have answered.
    get signal() {
      const left = remainingMs();
      signal ??= left > 0 ? AbortSignal.timeout(Math.ceil(left)) : AbortSignal.abort(timeoutError());
      return signal;
    },
    remainingMs,
    race<T>(work: Promise<T>): Promise<T> {
      const left = remainingMs();
      if (left <= 0) {
        work.catch(() => undefined);
        return Promise.reject(new DeadlineExceededError(budgetMs));
      }
      // A timer of its own, cleared as soon as the work settles. Timers keep whole milliseconds of a
      // clock read at the loop's start, so one may fire a little before the budget ends: it then
      // waits out the rest, and the deadline never rejects while remainingMs() says time is left.
      let timer: NodeJS.Timeout | undefined;
      const spent = new Promise<never>((_, reject) => {
        const wait = (ms: number): void => {
          timer = setTimeout(() => {
            const rest = remainingMs();
            if (rest > 0) wait(rest);
            else reject(new DeadlineExceededError(budgetMs));
          }, Math.ceil(ms));
          timer.unref();
        };
        wait(left);
      });
      return Promise.race([work, spent]).finally(() => clearTimeout(timer));
    },
  };
}
