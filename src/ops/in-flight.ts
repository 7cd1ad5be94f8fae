// What is still running (requests not yet answered, voice turns still computing), so shutdown can let it drain or report what it cut off.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routeOf } from './metrics-route.ts';

export interface PendingWork {
  requests: { reqId: string; method: string; route: string; elapsedMs: number }[];
  /** Voice turns whose webhook has answered but whose reply is still being computed. */
  turns: number;
}

export interface InFlight {
  pending(): PendingWork;
  /** Settles once every route handler and voice turn still running has finished. */
  drained(): Promise<void>;
}

/** Register before any route: handlers are tracked by wrapping them as routes are added. */
export function trackInFlight(app: FastifyInstance, turns: ReadonlySet<Promise<unknown>>): InFlight {
  // Handlers, not responses: a handler goes on (and uses the pool) after its client has gone away.
  const handlers = new Set<Promise<unknown>>();
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function trackedHandler(this: FastifyInstance, request, reply) {
      const running = Promise.resolve(handler.call(this, request, reply));
      handlers.add(running);
      running.then(
        () => handlers.delete(running),
        () => handlers.delete(running),
      );
      return running;
    };
  });
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
  return {
    pending: () => ({
      requests: [...startedAt].map(([request, startedMs]) => ({
        reqId: request.id,
        method: request.method,
        route: routeOf(request),
        elapsedMs: Math.round(performance.now() - startedMs),
      })),
      turns: turns.size,
    }),
    async drained() {
      // A handler may start a voice turn while it finishes, so turns are awaited after handlers.
      await Promise.allSettled(handlers);
      await Promise.allSettled(turns);
    },
  };
}
