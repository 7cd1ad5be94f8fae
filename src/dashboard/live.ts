// The live view: one poll of the database's change query a second per instance, shared by every open event stream.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { loadActivity, type Activity } from '../db/activity-repo.ts';
import type { Queryable } from '../db/db.ts';

export interface Snapshot {
  activity: Activity;
  /** Changes whenever anything the pages show live has changed, on any instance. */
  version: string;
}

export interface LiveHub {
  /** The state now, for a page to render with (its version tells the page's script what it has seen). */
  snapshot(): Promise<Snapshot>;
  /** Streams server-sent events to `response` until it closes or the hub does. */
  stream(response: ServerResponse): void;
  /** Ends every stream (at shutdown, so the server can close). */
  close(): void;
}

interface LiveLog {
  warn(obj: { err: unknown }, msg: string): void;
}

const HEARTBEAT_MS = 20_000;

function versionOf(activity: Activity): string {
  return createHash('sha256').update(JSON.stringify(activity)).digest('base64url').slice(0, 16);
}

/** What a page's script needs: no caller data beyond counts, as the page fetches the rest itself. */
function eventOf(snapshot: Snapshot): string {
  const data = { version: snapshot.version, openMessages: snapshot.activity.openMessages, liveCalls: snapshot.activity.liveCalls.length };
  return `event: activity\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createLiveHub(db: Queryable, log: LiveLog, pollIntervalMs = 1_000): LiveHub {
  const streams = new Set<ServerResponse>();
  let last: Snapshot | null = null;
  let timer: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let polling = false;
  let failing = false;

  const snapshot = async (): Promise<Snapshot> => {
    const activity = await loadActivity(db);
    return { activity, version: versionOf(activity) };
  };

  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const next = await snapshot();
      failing = false;
      if (last?.version === next.version) return;
      last = next;
      const event = eventOf(next);
      for (const response of streams) response.write(event);
    } catch (error) {
      // Said once per outage, not every second.
      if (!failing) log.warn({ err: error }, 'dashboard live view: the change query failed; retrying every second');
      failing = true;
    } finally {
      polling = false;
    }
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    if (heartbeat) clearInterval(heartbeat);
    timer = heartbeat = null;
    last = null;
  };

  return {
    snapshot,
    stream(response) {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      // Browsers reconnect on their own; a few seconds is soon enough.
      response.write('retry: 3000\n\n');
      streams.add(response);
      if (last) response.write(eventOf(last));
      response.on('close', () => {
        streams.delete(response);
        if (streams.size === 0) stop();
      });
      if (!timer) {
        timer = setInterval(() => void poll(), pollIntervalMs);
        heartbeat = setInterval(() => {
          for (const open of streams) open.write(': keep-alive\n\n');
        }, HEARTBEAT_MS);
        void poll();
      }
    },
    close() {
      stop();
      for (const response of streams) response.end();
      streams.clear();
    },
  };
}
