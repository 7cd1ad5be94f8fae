// POST /v1/text: talk to the assistant as text; starts a conversation or continues one.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Assistant } from '../assistant/engine.ts';
import { collectTurn } from '../assistant/turn-outcome.ts';
import { cleanTextSchema } from '../clean-text.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { createConversation, findConversation, setConversationLanguage, setConversationStatus, type Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http-error.ts';
import { notifyWrittenHandover } from '../jobs/callback-requests.ts';
import { scheduleSummary } from '../jobs/summaries.ts';
import { normalizePhone } from '../phone.ts';
import { errorBody, errorResponse } from '../ops/error-handler.ts';

export const MAX_TEXT_LENGTH = 4000;

const textRequest = z.object({
  text: cleanTextSchema(MAX_TEXT_LENGTH),
  language: z.enum(LANGUAGES, { error: 'must be one of en, ru, uk, sk' }).optional(),
  call_id: z.uuid({ error: 'must be a call_id returned by an earlier reply' }).optional(),
  caller: z
    .string()
    .transform((raw, ctx) => normalizePhone(raw) ?? (ctx.addIssue({ code: 'custom', message: 'must be a phone number in E.164 format, such as +14155551234' }), z.NEVER))
    .optional()
    .describe("The customer's phone number (E.164) when talking on their behalf: bookings and their appointments go by it. Only used when a conversation starts."),
});

const textReply = z.object({
  call_id: z.string(),
  reply: z.string(),
  language: z.enum(LANGUAGES),
  ended: z.boolean(),
  error: z.enum(['rate_limited', 'unreachable', 'timeout', 'unauthorized', 'other']).optional(),
});

export interface TextRouteDeps {
  db: Db;
  assistant: Assistant;
  llmConfigured: boolean;
  defaultLanguage: Language;
}

async function openConversation(db: Db, callId: string | undefined, language: Language, caller: string | undefined): Promise<Conversation> {
  if (!callId) return createConversation(db, { channel: 'text', language, caller: caller ?? null });
  const conversation = await findConversation(db, callId);
  // Phone and SMS conversations are not reachable here: a text client must not talk into a call.
  if (!conversation || conversation.channel !== 'text') throw new HttpError(404, 'not_found', `No text conversation with call_id ${callId}.`);
  if (conversation.status !== 'active') throw new HttpError(409, 'conversation_ended', 'This conversation has ended; start a new one without call_id.');
  return conversation;
}

export interface TextTurnInput {
  text: string;
  language?: Language | undefined;
  callId?: string | undefined;
  caller?: string | undefined;
}

/** One text turn as /v1/text (and the dashboard's Try it) takes it: 200 with the reply, or 503 with the apology. */
export async function runTextTurn(
  deps: TextRouteDeps,
  input: TextTurnInput,
): Promise<{ status: 200 | 503; body: z.output<typeof textReply>; waitedMs: number }> {
  if (!deps.llmConfigured) {
    throw new HttpError(503, 'llm_not_configured', 'No LLM is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL) or ANTHROPIC_API_KEY.');
  }
  let conversation = await openConversation(deps.db, input.callId, input.language ?? deps.defaultLanguage, input.caller);
  if (input.language && input.language !== conversation.language) {
    conversation = await setConversationLanguage(deps.db, conversation.id, input.language);
  }
  const outcome = await collectTurn(deps.assistant.runTurn(conversation, input.text, { stream: false }));
  if (!outcome.ok) {
    return {
      status: 503,
      waitedMs: outcome.waitedMs,
      body: { call_id: conversation.id, reply: outcome.apology, language: conversation.language, ended: false, error: outcome.cause === 'unavailable' ? 'other' : outcome.cause },
    };
  }
  if (outcome.actions.includes('transfer')) await notifyWrittenHandover(deps.db, conversation);
  const ended = outcome.actions.includes('end_call');
  if (ended) await setConversationStatus(deps.db, conversation.id, 'completed');
  // A session nobody ends is summarised once it has been quiet a while.
  await scheduleSummary(deps.db, conversation.id, ended ? 'ended' : 'quiet');
  return { status: 200, waitedMs: outcome.waitedMs, body: { call_id: conversation.id, reply: outcome.reply, language: conversation.language, ended } };
}

export function registerTextRoute(app: FastifyInstance, deps: TextRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post('/v1/text', {
    schema: {
      summary: 'Talk to the assistant as text: starts a conversation, or continues the one call_id names',
      tags: ['text'],
      body: textRequest,
      response: {
        200: textReply.describe('The assistant replied; ended is true once it has said goodbye'),
        404: errorResponse('No text conversation has this call_id (not_found)'),
        409: errorResponse('The conversation has ended; start a new one without call_id (conversation_ended)'),
        503: z
          .union([textReply, errorBody])
          .describe(
            'The LLM failed: reply carries the apology a caller would hear and error the cause. Or no LLM is configured (llm_not_configured), the API is disabled (api_disabled) or the database is unavailable (unavailable)',
          ),
      },
    },
    handler: async (request, reply) => {
      const turn = await runTextTurn(deps, {
        text: request.body.text,
        language: request.body.language,
        callId: request.body.call_id,
        caller: request.body.caller,
      });
      request.turnTiming = { channel: 'text', waitedMs: turn.waitedMs };
      return reply.code(turn.status).send(turn.body);
    },
  });
}
