// One JSON log line per request: its id, route, status, duration, and the call it belongs to with the number masked.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { maskPhone } from '../phone.ts';
import { routeOf } from './metrics-route.ts';

// Short and free of anything that could forge or break a log line.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const TWILIO_SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;

/** Fastify's `genReqId`: the client's X-Request-Id when it is safe to log, else a new UUID. */
export function requestId(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** CallSid, MessageSid and the caller's number (masked) of a Twilio webhook, validated or not. */
export function callContext(body: unknown): { callSid?: string; messageSid?: string; phone?: string } {
  if (body === null || typeof body !== 'object') return {};
  const { CallSid: callSid, MessageSid: messageSid, From: from } = body as Record<string, unknown>;
  return {
    ...(typeof callSid === 'string' && TWILIO_SID.test(callSid) ? { callSid } : {}),
    ...(typeof messageSid === 'string' && TWILIO_SID.test(messageSid) ? { messageSid } : {}),
    ...(typeof from === 'string' && from !== '' ? { phone: maskPhone(from) } : {}),
  };
}

/** Replaces Fastify's two lines per request (`disableRequestLogging`); the line carries `reqId` from the request's logger. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The line's fields (a masked number, the route) cost more than the check: none are made for a dropped line.
    if (!(request.log as Logger).isLevelEnabled('info')) return;
    request.log.info(
      {
        method: request.method,
        route: routeOf(request),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...callContext(request.body),
      },
      'request completed',
    );
  });
}
