// What a client may cost the server: how long it takes to send a request, how long it keeps a connection idle, how large a body it sends.
import type { ServerOptions } from 'node:http';
import type { Config } from '../config.ts';

/**
 * Every route today takes a small body: a Twilio form is a few KB (a 1,600-character SMS is at
 * most ~20 KB encoded) and a /v1 JSON body at most ~25 KB. A route that takes uploads sets its own.
 */
export const BODY_LIMIT_BYTES = 64 * 1024;

// How often Node looks for requests past their deadline; its 30 s default would let a slow client stay that much longer.
const DEADLINE_CHECK_INTERVAL_MS = 1_000;
// Twilio gives up on a webhook after 15 s.
const TWILIO_WEBHOOK_LIMIT_MS = 15_000;
// A socket silent this long past the longest a handler works without writing belongs to a peer that stopped reading.
const SILENT_SOCKET_MARGIN_MS = 30_000;

export interface HttpLimits {
  bodyLimit: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionTimeout: number;
  http: ServerOptions;
}

/**
 * Fastify's server options for these limits (Node's headersTimeout and check interval go through
 * `http`). Requests per connection stay unlimited: the connections a load balancer keeps to an
 * instance are cheap, and the instance keeps no state per connection that a limit would reset.
 */
export function httpLimits(config: Pick<Config, 'http' | 'llmTurnTimeoutMs'>): HttpLimits {
  const { requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    // Receiving the request only, headers and body: a slow handler is not cut by it.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    // Inactivity while a request is handled: a voice turn waits on the LLM up to LLM_TURN_TIMEOUT_MS without writing.
    connectionTimeout: Math.max(config.llmTurnTimeoutMs, TWILIO_WEBHOOK_LIMIT_MS) + SILENT_SOCKET_MARGIN_MS,
    http: { headersTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS },
  };
}
