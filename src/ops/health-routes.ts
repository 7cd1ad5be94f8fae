// GET /health (the process is alive) and GET /ready (its dependencies answer).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VERSION } from '../version.ts';
import { runChecks, type Probe } from './readiness.ts';

const healthBody = z.object({ status: z.literal('ok'), version: z.string() });

const checkResult = z.object({
  status: z.enum(['ok', 'error', 'not_configured']),
  latencyMs: z.number().optional(),
  error: z.string().optional().describe('Why the check failed, e.g. "rejected the API key (OPENAI_API_KEY): answered HTTP 401"'),
  detail: z.string().optional().describe('What the check is about, e.g. which vector store retrieval uses'),
});

const readyBody = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), checkResult).describe('database, llm and vector_store'),
});

/** `details` says what a check is about, e.g. which vector store is used; it appears beside the check's result. */
export function registerHealthRoutes(app: FastifyInstance, probes: Record<string, Probe | null>, details: Record<string, string> = {}): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/health', {
    schema: { summary: 'Liveness: answers while the process runs', tags: ['health'], response: { 200: healthBody.describe('The process is running') } },
    handler: async () => ({ status: 'ok' as const, version: VERSION }),
  });
  api.get('/ready', {
    schema: {
      summary: 'Readiness: the database, the LLM and the vector store, checked in parallel',
      tags: ['health'],
      response: { 200: readyBody.describe('Every configured dependency answered'), 503: readyBody.describe('A dependency failed; its check says why') },
    },
    handler: async (_request, reply) => {
      const { ready, checks: results } = await runChecks(probes);
      const checks = Object.fromEntries(Object.entries(results).map(([name, result]) => [name, details[name] ? { ...result, detail: details[name] } : result]));
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  });
}
