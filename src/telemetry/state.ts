// Whether this process exports traces, and how to send what is still buffered: read by code that only does tracing work when it is on.

let flush: (() => Promise<void>) | undefined;

/** Called once by the SDK's start, with what sends the spans still in the batch. */
export function markTracingStarted(flushSpans: () => Promise<void>): void {
  flush = flushSpans;
}

export function tracingStarted(): boolean {
  return flush !== undefined;
}

/** Sends the spans still buffered (before the process exits); nothing when tracing is off. */
export async function flushTracing(): Promise<void> {
  await flush?.();
}
