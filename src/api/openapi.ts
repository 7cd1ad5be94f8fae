// The OpenAPI document (GET /openapi.json) and Swagger UI (GET /docs), generated from the routes' zod schemas.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { errorResponse } from '../ops/error-handler.ts';
import { BODY_LIMIT_BYTES } from '../ops/http-limits.ts';
import { VERSION } from '../version.ts';

// Twilio's webhooks are Twilio's contract, not the owner's API, /metrics is Prometheus's, and the dashboard is pages.
const HIDDEN = [/^\/twilio\//, /^\/metrics$/, /^\/openapi\.json$/, /^\/dashboard(\/|$)/, /^\/$/];

/**
 * The answers every route of a kind can give, whatever its handler does: the bearer check, the
 * rate limit and the database in front of every /v1 route, and body parsing and validation.
 * A route's own schema wins where it lists the same status.
 */
function withCommonResponses(url: string, schema: FastifySchema): FastifySchema {
  const response: Record<string, unknown> = { ...(schema.response as Record<string, unknown> | undefined) };
  const add = (status: number, description: string) => {
    response[status] ??= errorResponse(description);
  };
  if (schema.body) {
    add(413, `The body is larger than ${BODY_LIMIT_BYTES / 1024} KiB (payload_too_large)`);
    add(415, 'The Content-Type is not one the route reads: send application/json (unsupported_media_type)');
  }
  if (schema.body || schema.querystring || schema.params) add(422, 'The request is invalid; message names each field and the rule it broke (invalid_request)');
  if (url.startsWith('/v1/')) {
    add(401, 'The Authorization: Bearer key is missing or wrong (unauthorized)');
    add(429, 'More than RATE_LIMIT_API_PER_MINUTE requests in a minute from this key (rate_limited); Retry-After says when to try again');
    add(503, 'The API is disabled because API_KEY is unset (api_disabled), or the database is busy or unreachable (unavailable, with Retry-After)');
    add(500, 'An unexpected failure (internal); the body carries no detail of it');
  }
  return { ...schema, response };
}

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
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API_KEY the server runs with' },
          feedToken: { type: 'apiKey', in: 'query', name: 'token', description: 'The CALENDAR_FEED_TOKEN the server runs with: reads the calendar feed only' },
        },
      },
    },
    transform: (input) => {
      if (HIDDEN.some((pattern) => pattern.test(input.url))) return { schema: { hide: true }, url: input.url };
      const output = jsonSchemaTransform({ ...input, schema: withCommonResponses(input.url, input.schema ?? {}) });
      // Every /v1 route sits behind the bearer key (bearerAuth in app.ts), except one that names its own scheme.
      if (!input.url.startsWith('/v1/') || input.schema?.security) return output;
      return { ...output, schema: { ...output.schema, security: [{ bearerAuth: [] }] } };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
