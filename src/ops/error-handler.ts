// Maps every error a route lets escape to one response shape; 5xx bodies carry no internals.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DbUnavailableError } from '../db/db.ts';
import { HttpError } from '../http-error.ts';

/** Every error answer: a short code and a sentence for the client. Routes list it in their response schemas. */
export const errorBody = z.object({ error: z.string(), message: z.string() });

export type ErrorBody = z.output<typeof errorBody>;

/** An error answer as a route's response schema lists it: the body, and when it is given. */
export function errorResponse(description: string) {
  return errorBody.describe(description);
}

/** `text: must not be empty; language: must be one of en, ru, uk, sk` */
function describeValidation(error: FastifyError): string {
  if (!hasZodFastifySchemaValidationErrors(error)) return error.message;
  return error.validation
    .map((issue) => {
      const field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

// Fastify's own refusals (body parsing, limits), by status.
const CLIENT_ERROR_CODES: Record<number, string> = { 413: 'payload_too_large', 415: 'unsupported_media_type' };

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error.validation) {
      return reply.code(422).send({ error: 'invalid_request', message: describeValidation(error) } satisfies ErrorBody);
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: error.code, message: error.message } satisfies ErrorBody);
    }
    if (error instanceof DbUnavailableError) {
      request.log.error({ err: error }, 'database unavailable');
      return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'The service is busy; try again shortly.' } satisfies ErrorBody);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) {
      return reply.code(status).send({ error: CLIENT_ERROR_CODES[status] ?? 'bad_request', message: error.message } satisfies ErrorBody);
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'Internal server error' } satisfies ErrorBody);
  });
}
