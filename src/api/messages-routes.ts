// GET /v1/messages and POST /v1/messages/{id}/handled: callback requests callers left, and ticking them off.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listCallbackRequests, markCallbackHandled, type CallbackRequest } from '../db/callbacks-repo.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http-error.ts';
import { errorResponse } from '../ops/error-handler.ts';
import { encodeCursor, nextCursor, pageQuery } from './pagination.ts';

const messagesQuery = z.object({
  ...pageQuery,
  handled: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .describe('Only handled (true) or only open (false) requests; both when absent'),
});

const messageParams = z.object({ id: z.uuid({ error: 'must be a message id (a UUID) from GET /v1/messages' }) });

const callbackMessage = z.object({
  id: z.string(),
  call_id: z.string().nullable().describe('The conversation it was taken in (GET /v1/calls/{id})'),
  caller: z.string().nullable().describe('The caller in E.164'),
  name: z.string(),
  message: z.string(),
  created_at: z.date(),
  handled: z.boolean(),
  handled_at: z.date().nullable(),
});

const messagesPage = z.object({ items: z.array(callbackMessage), next_cursor: nextCursor });

function toMessage(m: CallbackRequest): z.output<typeof callbackMessage> {
  return {
    id: m.id,
    call_id: m.conversationId,
    caller: m.caller,
    name: m.name,
    message: m.message,
    created_at: m.createdAt,
    handled: m.handledAt !== null,
    handled_at: m.handledAt,
  };
}

export function registerMessagesRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/v1/messages', {
    schema: {
      summary: 'List callback requests, newest first',
      tags: ['messages'],
      querystring: messagesQuery,
      response: { 200: messagesPage.describe('A page of callback requests; next_cursor is null on the last page') },
    },
    handler: async (request) => {
      const { limit, cursor, handled } = request.query;
      const page = await listCallbackRequests(deps.db, { handled }, { limit, after: cursor });
      return { items: page.items.map(toMessage), next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  });

  api.post('/v1/messages/:id/handled', {
    schema: {
      summary: 'Mark a callback request handled (repeating it keeps the first time)',
      tags: ['messages'],
      params: messageParams,
      response: { 200: callbackMessage.describe('The request, now handled'), 404: errorResponse('No message has this id (not_found)') },
    },
    handler: async (request) => {
      const message = await markCallbackHandled(deps.db, request.params.id);
      if (!message) throw new HttpError(404, 'not_found', `No message with id ${request.params.id}.`);
      return toMessage(message);
    },
  });
}
