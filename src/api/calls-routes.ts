// GET /v1/calls and GET /v1/calls/{id}: the owner's view of every conversation and its transcript.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGUAGES } from '../config.ts';
import { findConversationSummary, listConversations, type ConversationSummary } from '../db/call-history-repo.ts';
import { loadRecentMessages } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http-error.ts';
import { errorResponse } from '../ops/error-handler.ts';
import { dateBound, encodeCursor, nextCursor, pageQuery } from './pagination.ts';
import { toTranscriptEntry, transcriptEntry } from './transcript.ts';

const CHANNELS = ['voice', 'sms', 'text'] as const;

const callsQuery = z
  .object({
    ...pageQuery,
    channel: z.enum(CHANNELS, { error: 'must be one of voice, sms, text' }).optional(),
    status: z
      .string()
      .regex(/^[a-z-]{1,32}$/, { error: 'must be a status such as active, in-progress, completed, no-answer' })
      .optional(),
    from: dateBound('from'),
    to: dateBound('to'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { error: 'must be later than from', path: ['to'] });

const callParams = z.object({ id: z.uuid({ error: 'must be a call id (a UUID) from GET /v1/calls' }) });

const callSummary = z.object({
  id: z.string(),
  channel: z.enum(CHANNELS),
  call_sid: z.string().nullable().describe('Twilio CallSid, for voice calls'),
  caller: z.string().nullable().describe('The caller in E.164'),
  language: z.enum(LANGUAGES),
  status: z.string(),
  created_at: z.date(),
  updated_at: z.date(),
  ended_at: z.date().nullable(),
  duration_seconds: z.number().int().nullable(),
  message_count: z.number().int(),
});

const callsPage = z.object({ items: z.array(callSummary), next_cursor: nextCursor });
const callDetail = callSummary.extend({ messages: z.array(transcriptEntry) });

function toSummary(c: ConversationSummary): z.output<typeof callSummary> {
  return {
    id: c.id,
    channel: c.channel,
    call_sid: c.callSid,
    caller: c.caller,
    language: c.language,
    status: c.status,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    ended_at: c.endedAt,
    duration_seconds: c.durationSeconds,
    message_count: c.messageCount,
  };
}

export function registerCallsRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/v1/calls', {
    schema: {
      summary: 'List conversations (calls, SMS threads, text sessions), newest first',
      tags: ['calls'],
      querystring: callsQuery,
      response: { 200: callsPage.describe('A page of conversations; next_cursor is null on the last page') },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await listConversations(deps.db, filter, { limit, after: cursor });
      return { items: page.items.map(toSummary), next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  });

  api.get('/v1/calls/:id', {
    schema: {
      summary: 'One conversation with its transcript',
      tags: ['calls'],
      params: callParams,
      response: { 200: callDetail.describe('The conversation and its messages, oldest first'), 404: errorResponse('No conversation has this id (not_found)') },
    },
    handler: async (request) => {
      const conversation = await findConversationSummary(deps.db, request.params.id);
      if (!conversation) throw new HttpError(404, 'not_found', `No conversation with id ${request.params.id}.`);
      const transcript = await loadRecentMessages(deps.db, conversation.id);
      return { ...toSummary(conversation), messages: transcript.map(toTranscriptEntry) };
    },
  });
}
