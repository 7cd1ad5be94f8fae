// After a conversation: a background job summarises it with the LLM, stores the summary and tells the business (conversation.completed).
import { generateText, Output, type LanguageModel } from 'ai';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Language } from '../config.ts';
import { findConversation, loadRecentMessages, type Conversation } from '../db/conversations-repo.ts';
import type { Db, Queryable } from '../db/db.ts';
import { enqueueJob } from '../db/outbox-repo.ts';
import { saveSummary, type ConversationSummary } from '../db/summaries-repo.ts';
import { listTransfers } from '../db/transfers-repo.ts';
import { summarizeLlmError } from '../llm/errors.ts';
import { enqueueEvent } from './business-events.ts';
import type { JobHandler } from './outbox-worker.ts';
import { modelTelemetry } from '../telemetry/model-telemetry.ts';

export const SUMMARY_JOB = 'summary';

/**
 * When to summarise: `ended` at once (the call's final status, a text session said goodbye);
 * `settled` a minute after a hang-up, so the status callback's duration is in the event; `quiet`
 * once an SMS thread or text session has had no message for half an hour (each new one postpones it).
 */
const DELAYS_MS = { ended: 0, settled: 60_000, quiet: 30 * 60_000 } as const;
export type SummaryMoment = keyof typeof DELAYS_MS;

/** A call in one of these statuses is over: it is summarised and the business told. */
const FINAL_CALL_STATUSES: ReadonlySet<string> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export function isCallOver(status: string): boolean {
  return FINAL_CALL_STATUSES.has(status);
}

export async function scheduleSummary(db: Queryable, conversationId: string, moment: SummaryMoment): Promise<void> {
  await enqueueJob(db, {
    kind: SUMMARY_JOB,
    payload: { conversationId },
    delayMs: DELAYS_MS[moment],
    dedupKey: { key: `summary:${conversationId}`, onConflict: moment === 'quiet' ? 'postpone' : 'earliest' },
  });
}

const summarySchema = z.object({
  caller: z.string().describe("Who called: their name if they gave it, else 'unknown'"),
  intent: z.string().describe('What the caller wanted, in one sentence'),
  outcome: z.string().describe('What happened: answered, booked, message taken, put through, …'),
  follow_up_needed: z.boolean().describe('Whether someone at the business must act'),
  follow_up: z.string().nullable().describe('What they must do, or null'),
});

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Russian', uk: 'Ukrainian', sk: 'Slovak' };

/** Past this many failed attempts the event goes out without a summary rather than waiting a day for the LLM. */
const LLM_ATTEMPTS = 3;
const SUMMARY_TIMEOUT_MS = 60_000;
const TRANSCRIPT_MAX_CHARS = 20_000;

export interface SummaryDeps {
  db: Db;
  model: LanguageModel | null;
  log: Logger;
  /** The language the business reads summaries in. */
  language: Language;
}

function transcriptOf(lines: { role: string; text: string }[]): string {
  const text = lines
    .filter((line) => (line.role === 'user' || line.role === 'assistant') && line.text)
    .map((line) => `${line.role === 'user' ? 'Caller' : 'Assistant'}: ${line.text}`)
    .join('\n');
  // The end of a long conversation tells its outcome.
  return text.length > TRANSCRIPT_MAX_CHARS ? text.slice(-TRANSCRIPT_MAX_CHARS) : text;
}

async function summarize(deps: SummaryDeps, transcript: string, signal: AbortSignal): Promise<ConversationSummary> {
  const result = await generateText({
    model: deps.model!,
    system:
      `Summarise this conversation between a caller and a business's phone assistant for the business, in ${LANGUAGE_NAMES[deps.language]}. ` +
      'Be short and factual; say only what the transcript shows.',
    prompt: transcript,
    output: Output.object({ schema: summarySchema }),
    maxRetries: 0,
    abortSignal: AbortSignal.any([signal, AbortSignal.timeout(SUMMARY_TIMEOUT_MS)]),
    experimental_telemetry: modelTelemetry('conversation-summary'),
  });
  return result.output;
}

function eventData(conversation: Conversation, summary: ConversationSummary | null, transfers: Awaited<ReturnType<typeof listTransfers>>) {
  return {
    conversation_id: conversation.id,
    channel: conversation.channel,
    caller: conversation.caller,
    language: conversation.language,
    started_at: conversation.createdAt.toISOString(),
    ended_at: conversation.endedAt?.toISOString() ?? null,
    duration_seconds: conversation.durationSeconds,
    summary,
    transfers: transfers.map((transfer) => ({
      reason: transfer.reason,
      outcome: transfer.outcome,
      started_at: transfer.startedAt.toISOString(),
      duration_seconds: transfer.durationSeconds,
    })),
  };
}

export function summaryHandler(deps: SummaryDeps): JobHandler {
  return async (job, signal) => {
    const { conversationId } = z.object({ conversationId: z.string() }).parse(job.payload);
    const conversation = await findConversation(deps.db, conversationId);
    // Erased in the meantime: there is nothing left to summarise, nor to tell.
    if (!conversation) return;
    const transcript = transcriptOf((await loadRecentMessages(deps.db, conversationId)).map((row) => ({ role: row.message.role, text: row.text })));
    let summary: ConversationSummary | null = null;
    if (deps.model && transcript.includes('Caller: ')) {
      try {
        summary = await summarize(deps, transcript, signal);
      } catch (error) {
        if (job.attempts < LLM_ATTEMPTS) throw new Error(`summary failed: ${summarizeLlmError(error).message}`, { cause: error });
        deps.log.warn({ conversationId, error: summarizeLlmError(error) }, 'summary given up: the event goes without one');
      }
    }
    const transfers = await listTransfers(deps.db, conversationId);
    await deps.db.transaction(async (tx) => {
      await saveSummary(tx, conversationId, summary);
      await enqueueEvent(tx, 'conversation.completed', eventData(conversation, summary, transfers));
    });
    deps.log.info({ conversationId, summarized: summary !== null }, 'conversation summarised');
  };
}
