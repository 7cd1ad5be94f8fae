// What is still running (requests not yet answered, voice turns still computing), so shutdown can let it drain or report what it cut off.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routeOf } from './metrics-route.ts';

export interface PendingWork {
  requests: { reqId: string; method: string; route: string; elapsedMs: number }[];
  /** Voice turns whose webhook has answered but whose reply is still being computed. */
  turns: number;
}

export function trackInFlight(app: FastifyInstance, turns: ReadonlySet<Promise<unknown>>): () => PendingWork {
  const startedAt = new Map<FastifyRequest, number>();
  app.addHook('onRequest', async (request) => {
    startedAt.set(request, performance.now());
  });
  const finished = async (request: FastifyRequest) => {
    startedAt.delete(request);
  };
  app.addHook('onResponse', finished);
  app.addHook('onRequestAbort', finished);
  // Once closing, a kept-alive connection would hold server.close() open after its last response: close it with that response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  return () => ({
    requests: [...startedAt].map(([request, startedMs]) => ({
      reqId: request.id,
      method: request.method,
      route: routeOf(request),
      elapsedMs: Math.round(performance.now() - startedMs),
    })),
    turns: turns.size,
  });
}
