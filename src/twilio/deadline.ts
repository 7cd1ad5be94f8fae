// A webhook's time budget: Twilio waits 15 s for an answer, so every wait on the way ends by one deadline.

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
  const signal = AbortSignal.timeout(budgetMs);
  return {
    signal,
    remainingMs: () => Math.max(0, endsAt - performance.now()),
    race<T>(work: Promise<T>): Promise<T> {
      if (signal.aborted) {
        work.catch(() => undefined);
        return Promise.reject(new DeadlineExceededError(budgetMs));
      }
      let onAbort: (() => void) | undefined;
      const spent = new Promise<never>((_, reject) => {
        onAbort = () => reject(new DeadlineExceededError(budgetMs));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      return Promise.race([work, spent]).finally(() => signal.removeEventListener('abort', onAbort!));
    },
  };
}
