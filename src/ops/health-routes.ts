// GET /health (the process is alive) and GET /ready (its dependencies answer).
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.ts';
import { runChecks, type Probe } from './readiness.ts';

export function registerHealthRoutes(app: FastifyInstance, probes: Record<string, Probe | null>): void {
  app.get('/health', async () => ({ status: 'ok', version: VERSION }));
  app.get('/ready', async (_request, reply) => {
    const { ready, checks } = await runChecks(probes);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
