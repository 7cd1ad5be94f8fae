// Redis for tests: the machine's server (skipped with a note when absent, except in CI) and private throwaway servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { track } from './child-processes.ts';

export const LOCAL_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Generous for a loaded machine; a server that does not answer by then is killed, not left behind.
const START_TIMEOUT_MS = 60_000;

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function ping(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Skip unless the outcome is known good; in CI a missing requirement fails instead. */
function skipOrFail(reason: string): string {
  if (process.env.CI) throw new Error(`${reason}, and Redis tests are required in CI`);
  process.stderr.write(`note: ${reason}; Redis tests skipped\n`);
  return reason;
}

/** For node:test's `skip`: false when the machine's Redis answers, else the reason. */
export async function localRedisSkip(): Promise<string | false> {
  try {
    await ping(LOCAL_REDIS_URL);
    return false;
  } catch (error) {
    return skipOrFail(`Redis not reachable at ${LOCAL_REDIS_URL} (${describeError(error)})`);
  }
}

/** For node:test's `skip`: false when a `redis-server` binary is on PATH, else the reason. */
export function redisServerSkip(): string | false {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error ? skipOrFail(`redis-server not found on PATH (${probe.error.message})`) : false;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A private redis-server on its own port that a test can stop (SIGKILL) and start again on that port. */
export class PrivateRedis {
  readonly port: number;
  readonly url: string;
  private process: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    // No persistence: a restarted server starts empty, as a replaced Redis would.
    this.process = track(spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await ping(this.url);
        return;
      } catch (error) {
        if (Date.now() > deadline || this.process.exitCode !== null) {
          await this.stop();
          throw new Error(`redis-server did not start on port ${this.port}: ${describeError(error)}`, { cause: error });
        }
        await sleep(50);
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
