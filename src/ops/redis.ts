// The Redis client for shared rate-limit counters: gives up fast, so a dead Redis never holds a request.
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 1_000;
// A counter lookup is one small Lua script: anything slower than this means Redis is in trouble.
const COMMAND_TIMEOUT_MS = 150;
const MAX_RECONNECT_DELAY_MS = 1_000;
// One warning per interval however many requests pass unlimited meanwhile.
const WARNING_INTERVAL_MS = 30_000;

export interface RedisCounters {
  client: Redis;
  /** A command failed (requests then pass unlimited): warns at most once per interval. */
  reportFailure(error?: unknown): void;
  close(): Promise<void>;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Connects, waiting at most the connect timeout: the service starts (unlimited) without Redis. */
export async function connectRedis(url: string, log: FastifyBaseLogger): Promise<RedisCounters> {
  const client = new Redis(url, {
    // Without a connection a command fails at once instead of queueing behind reconnects.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Never stop reconnecting: limits must work again as soon as Redis is back.
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  let lastWarningAt = -Infinity;
  let failing = false;
  let closed = false;
  const reportFailure = (error?: unknown) => {
    if (closed) return;
    failing = true;
    if (Date.now() - lastWarningAt < WARNING_INTERVAL_MS) return;
    lastWarningAt = Date.now();
    log.warn({ reason: error === undefined ? 'command failed' : describe(error) }, 'Redis unavailable: rate limits are not enforced until it is back');
  };
  // Reconnection failures arrive as 'error' events; without a listener ioredis prints each one.
  client.on('error', reportFailure);
  client.on('ready', () => {
    if (!failing) return;
    failing = false;
    lastWarningAt = -Infinity;
    log.info('Redis reachable again: rate limits enforced');
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
    client.once('ready', done);
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
  return {
    client,
    reportFailure,
    async close() {
      closed = true;
      // QUIT needs a live connection; otherwise stop reconnecting and drop the socket.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
