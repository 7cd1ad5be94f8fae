// GET /health (the process is alive) and GET /ready (its dependencies answer).
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.ts';
import { runChecks, type Probe } from './readiness.ts';

/** `details` says what a check is about, e.g. which vector store is used; it appears beside the check's result. */
export function registerHealthRoutes(app: FastifyInstance, probes: Record<string, Probe | null>, details: Record<string, string> = {}): void {
  app.get('/health', async () => ({ status: 'ok', version: VERSION }));
  app.get('/ready', async (_request, reply) => {
    const { ready, checks: results } = await runChecks(probes);
    const checks = Object.fromEntries(Object.entries(results).map(([name, result]) => [name, details[name] ? { ...result, detail: details[name] } : result]));
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
