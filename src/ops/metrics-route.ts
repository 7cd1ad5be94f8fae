// GET /metrics (Prometheus text) and the hook that times every request and every turn's server share.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.ts';
import { decorateTurnTiming } from './turn-timing.ts';

/** The route pattern a request matched; `unmatched` for a 404, so raw URLs never become labels. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** Register before the routes, so that the hook covers them all. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  decorateTurnTiming(app);
  app.addHook('onResponse', async (request, reply) => {
    const durationMs = reply.elapsedTime;
    metrics.observeRequest({ method: request.method, route: routeOf(request), statusCode: reply.statusCode, durationMs });
    if (request.turnTiming) metrics.observeTurnServerTime(request.turnTiming.channel, durationMs - request.turnTiming.waitedMs);
  });
  // Unauthenticated, like most exporters: Prometheus scrapes it on the private network.
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
