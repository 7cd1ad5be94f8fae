// Names the server span of each request after its route (`POST /twilio/voice`), which only Fastify knows: the http instrumentation names it by method alone.
import { trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tracingStarted } from './state.ts';

/**
 * Adds the hook only while tracing is on: otherwise a request pays nothing for it. (The attribute's name is written out:
 * the semantic-conventions package is the SDK's, not loaded while tracing is off.)
 */
export function nameServerSpansByRoute(fastify: FastifyInstance): void {
  if (!tracingStarted()) return;
  fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    const route = request.routeOptions.url;
    const span = trace.getActiveSpan();
    if (route !== undefined && span !== undefined) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    done();
  });
}
