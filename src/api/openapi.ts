// The OpenAPI document (GET /openapi.json) and Swagger UI (GET /docs), generated from the routes' zod schemas.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { VERSION } from '../version.ts';

// Twilio's webhooks are Twilio's contract, not the owner's API, and /metrics is Prometheus's.
const HIDDEN = [/^\/twilio\//, /^\/metrics$/, /^\/openapi\.json$/];

/** Must run before any route is added: the document lists the routes added after it. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'phone-assistant',
        version: VERSION,
        description: 'The owner\'s API of the AI phone receptionist: conversations, callback requests, text chat and speech.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API_KEY the server runs with' } },
      },
    },
    transform: (input) => {
      if (HIDDEN.some((pattern) => pattern.test(input.url))) return { schema: { hide: true }, url: input.url };
      const output = jsonSchemaTransform(input);
      // Every /v1 route sits behind the bearer key (bearerAuth in app.ts).
      if (!input.url.startsWith('/v1/')) return output;
      return { ...output, schema: { ...output.schema, security: [{ bearerAuth: [] }] } };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
