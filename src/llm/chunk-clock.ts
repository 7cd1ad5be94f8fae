// When a streamed model reply's bytes reach this process: undici's per-chunk diagnostics, for the relay's token → frame delay.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';

/**
 * The arrival times (performance clock) of one turn's streamed model bytes. A text frame's
 * "received" moment is the first chunk read since the previous frame was written, or, when none
 * has been, the last chunk read (one chunk carrying several deltas). Each chunk's deltas are
 * written within the event-loop turn that read it (nothing on the way waits on the loop), so this
 * is exact. Were the stream to fall behind by more than a chunk, a delta could count from a chunk
 * before its own (an overestimate) or, after a chunk of several deltas, from a later one. A step's
 * first delta counts from the last chunk read: the chunks before it carry no text (OpenAI's naming
 * the role, Anthropic's message_start), and would count the model's pause before its first word.
 */
export class ChunkClock {
  private firstUnclaimedMs = -1;
  private lastMs = -1;
  private claimedInStep = false;

  /** A new model request of the turn (its next step): what arrived for the previous one is not this one's. */
  restart(): void {
    this.firstUnclaimedMs = -1;
    this.lastMs = -1;
    this.claimedInStep = false;
  }

  /** A chunk of the reply was read off the model's socket. */
  arrived(atMs: number): void {
    this.lastMs = atMs;
    if (this.firstUnclaimedMs < 0) this.firstUnclaimedMs = atMs;
  }

  /** When the bytes of the delta about to be written arrived; -1 when no chunk was seen (a reply not streamed). */
  claim(): number {
    const at = this.claimedInStep && this.firstUnclaimedMs >= 0 ? this.firstUnclaimedMs : this.lastMs;
    this.firstUnclaimedMs = -1;
    // A delta with no chunk read (a reply not streamed) leaves the step's first for the first that has one.
    this.claimedInStep = at >= 0;
    return at;
  }
}

// The clock of the turn running (set by the relay), and of the streamed model request being made (set by our fetch).
const turnClocks = new AsyncLocalStorage<ChunkClock>();
const requestClocks = new AsyncLocalStorage<ChunkClock>();
// undici's request objects of streamed model requests: weakly, so a request gone is forgotten.
const clockOfRequest = new WeakMap<object, ChunkClock>();

interface UndiciRequestMessage {
  request: object;
}

let subscribed = false;

// undici publishes `create` synchronously where the request is dispatched, inside our fetch's async
// context, and `bodyChunkReceived` in its socket's data handler, before the chunk enters any stream.
function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  diagnostics.subscribe('undici:request:create', (message) => {
    const clock = requestClocks.getStore();
    if (!clock) return;
    clock.restart();
    clockOfRequest.set((message as UndiciRequestMessage).request, clock);
  });
  diagnostics.subscribe('undici:request:bodyChunkReceived', (message) => {
    clockOfRequest.get((message as UndiciRequestMessage).request)?.arrived(performance.now());
  });
}

/** Runs `work` (a turn) with `clock` taking the arrival times of the streamed model requests it makes. */
export function withChunkClock<T>(clock: ChunkClock, work: () => T): T {
  subscribeOnce();
  return turnClocks.run(clock, work);
}

/** Makes a streamed model request; inside a turn with a chunk clock, its chunks' arrivals go to that clock. */
export function timedStreamFetch(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]): Promise<Response> {
  const clock = turnClocks.getStore();
  return clock ? requestClocks.run(clock, () => fetch(input, init)) : fetch(input, init);
}
