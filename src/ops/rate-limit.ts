// Rate limits per caller (voice turns and SMS) and per /v1 client, counted by @fastify/rate-limit in memory or Redis.
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { HttpError } from '../http-error.ts';
import { connectRedis } from './redis.ts';

export type LimitScope = 'caller' | 'api' | 'sign-in';

export interface RateLimitOptions {
  /** Called for every request refused by a limit (for metrics). */
  onLimited?: (scope: LimitScope) => void;
}

export interface RateLimits {
  /** Counts a caller's turn or message; true when the caller's budget for the minute is spent. */
  caller(request: FastifyRequest): Promise<boolean>;
  /** The same count for a turn that came without a webhook (a relay socket's prompt): by number, or by call when it is withheld. */
  callerTurn(caller: string | null, callSid: string): Promise<boolean>;
  /** An onRequest hook for /v1: 429 with Retry-After once the client's budget for the minute is spent. */
  api(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Counts a dashboard sign-in attempt by address; limited past SIGN_IN_PER_MINUTE in a minute. */
  signIn(request: FastifyRequest): Promise<Verdict>;
}

/** Password guesses one address may make at the dashboard in a minute. */
export const SIGN_IN_PER_MINUTE = 10;

const WINDOW_MS = 60_000;
const KEY_PREFIX = 'phone-assistant:rate-limit:';

export interface Verdict {
  limited: boolean;
  retryAfterSeconds: number;
}

interface LimiterSettings {
  scope: LimitScope;
  max: number;
  keyGenerator: (request: FastifyRequest) => string;
  redis: Redis | undefined;
  onStoreFailure: () => void;
}

/** The caller's number as the schemas normalised it; the call (or message) when the number is withheld. */
function callerKey(request: FastifyRequest): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (typeof body.From === 'string') return body.From;
  return typeof body.CallSid === 'string' ? `call:${body.CallSid}` : `message:${String(body.MessageSid)}`;
}

/** The bearer key's hash (never the key itself), or the client's address without one. */
function apiClientKey(request: FastifyRequest): string {
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  return token ? `key:${createHash('sha256').update(token).digest('hex').slice(0, 32)}` : `ip:${request.ip}`;
}

async function createLimiter(app: FastifyInstance, settings: LimiterSettings): Promise<(request: FastifyRequest) => Promise<Verdict>> {
  let check: ReturnType<FastifyInstance['createRateLimit']> | undefined;
  // A private scope per limiter gives it its own counters and Redis key prefix, and hooks no route.
  await app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      max: settings.max,
      timeWindow: WINDOW_MS,
      keyGenerator: settings.keyGenerator,
      // Fail open: an unreachable Redis must not turn callers away.
      skipOnError: true,
      redis: settings.redis,
      nameSpace: `${KEY_PREFIX}${settings.scope}:`,
    });
    check = scope.createRateLimit();
  });
  const limit = check!;
  return async (request) => {
    const result = await limit(request);
    if (result.isAllowed) return { limited: false, retryAfterSeconds: 0 };
    // A working store has always counted this request; nothing counted means skipOnError hid a failure.
    if (result.remaining === result.max) settings.onStoreFailure();
    return { limited: result.isExceeded, retryAfterSeconds: Math.max(1, result.ttlInSeconds) };
  };
}

export async function registerRateLimits(app: FastifyInstance, config: Readonly<Config>, options: RateLimitOptions = {}): Promise<RateLimits> {
  const onLimited = options.onLimited ?? (() => {});
  // Counters shared by every instance through Redis, or kept by this process.
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, app.log) : null;
  if (redis) app.addHook('onClose', () => redis.close());
  const common = { redis: redis?.client, onStoreFailure: () => redis?.reportFailure() };

  const caller = await createLimiter(app, { ...common, scope: 'caller', max: config.rateLimits.callerPerMinute, keyGenerator: callerKey });
  const api = await createLimiter(app, { ...common, scope: 'api', max: config.rateLimits.apiPerMinute, keyGenerator: apiClientKey });
  const signIn = await createLimiter(app, { ...common, scope: 'sign-in', max: SIGN_IN_PER_MINUTE, keyGenerator: (request) => `ip:${request.ip}` });

  const limitCaller = async (request: FastifyRequest) => {
    const { limited } = await caller(request);
    if (limited) onLimited('caller');
    return limited;
  };
  return {
    caller: limitCaller,
    // The limiter reads a request: this one carries what a webhook's would (the key's fields, a route without settings).
    callerTurn: (from, callSid) => limitCaller({ body: { From: from ?? undefined, CallSid: callSid }, routeOptions: { config: {} } } as unknown as FastifyRequest),
    async api(request, reply) {
      const { limited, retryAfterSeconds } = await api(request);
      if (!limited) return;
      onLimited('api');
      reply.header('retry-after', String(retryAfterSeconds));
      throw new HttpError(429, 'rate_limited', `Too many requests: at most ${config.rateLimits.apiPerMinute} a minute. Retry in ${retryAfterSeconds} s.`);
    },
    async signIn(request) {
      const verdict = await signIn(request);
      if (verdict.limited) onLimited('sign-in');
      return verdict;
    },
  };
}
