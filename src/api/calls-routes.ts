// GET /v1/calls and GET /v1/calls/{id}: the owner's view of every conversation and its transcript.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGUAGES } from '../config.ts';
import { findConversationSummary, listConversations, type ConversationSummary } from '../db/call-history-repo.ts';
import { loadRecentMessages } from '../db/conversations-repo.ts';
import { listConversationSms, type OutgoingSms } from '../db/outgoing-sms-repo.ts';
import { loadSummary } from '../db/summaries-repo.ts';
import { listTransfers, type Transfer } from '../db/transfers-repo.ts';
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
    call_sid: z
      .string()
      .regex(/^CA[0-9a-fA-F]{32}$/, { error: 'must be a Twilio CallSid (CA and 32 hex digits)' })
      .optional()
      .describe("A voice call's Twilio CallSid: finds the conversation of that call"),
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
const conversationSummary = z
  .object({
    caller: z.string(),
    intent: z.string(),
    outcome: z.string(),
    follow_up_needed: z.boolean(),
    follow_up: z.string().nullable(),
  })
  .nullable()
  .describe('Written by the LLM after the conversation ended; null until then, or when it could not be');

const transfer = z.object({
  reason: z.string().nullable(),
  outcome: z.string().describe('dialing, completed, no-answer, busy, failed, canceled; unavailable (closed, no transfer number); notified (SMS, text)'),
  started_at: z.date(),
  ended_at: z.date().nullable(),
  duration_seconds: z.number().int().nullable().describe('How long the caller talked to the person'),
});

const text = z.object({
  id: z.string(),
  to: z.string().describe('The recipient in E.164'),
  body: z.string(),
  status: z
    .enum(['pending', 'sent', 'failed', 'not_configured'])
    .describe('pending (being sent, or retried), sent (Twilio accepted it), failed (given up), not_configured (no Twilio account: kept, never sent)'),
  created_at: z.date(),
  sent_at: z.date().nullable(),
});

const callDetail = callSummary.extend({
  summary: conversationSummary,
  summarized_at: z.date().nullable().describe('When the summary job was done with the conversation; set while summary is null, there will be none (no LLM, or it failed)'),
  transfers: z.array(transfer).describe('Hand-overs to a person, oldest first'),
  texts: z.array(text).describe('Text messages to the caller decided in this conversation (booking confirmations), oldest first'),
  messages: z.array(transcriptEntry),
});

const toTransfer = (t: Transfer): z.output<typeof transfer> => ({
  reason: t.reason,
  outcome: t.outcome,
  started_at: t.startedAt,
  ended_at: t.endedAt,
  duration_seconds: t.durationSeconds,
});

const toText = (sms: OutgoingSms): z.output<typeof text> => ({
  id: sms.id,
  to: sms.to,
  body: sms.body,
  status: sms.status,
  created_at: sms.createdAt,
  sent_at: sms.sentAt,
});

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
      const { limit, cursor, call_sid: callSid, ...filter } = request.query;
      const page = await listConversations(deps.db, { ...filter, ...(callSid ? { callSid } : {}) }, { limit, after: cursor });
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
      const [transcript, summary, transfers, texts] = await Promise.all([
        loadRecentMessages(deps.db, conversation.id),
        loadSummary(deps.db, conversation.id),
        listTransfers(deps.db, conversation.id),
        listConversationSms(deps.db, conversation.id),
      ]);
      return {
        ...toSummary(conversation),
        summary: summary?.summary ?? null,
        summarized_at: summary?.summarizedAt ?? null,
        transfers: transfers.map(toTransfer),
        texts: texts.map(toText),
        messages: transcript.map(toTranscriptEntry),
      };
    },
  });
}
