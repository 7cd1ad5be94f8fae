// The assistant engine: one caller turn in, a stream of events out, whatever the transport.
import { generateText, stepCountIs, streamText, type LanguageModel, type ModelMessage, type TelemetrySettings, type ToolSet } from 'ai';
import type { Logger } from 'pino';
import { wellFormedDeep, wellFormedText } from '../clean-text.ts';
import type { Language } from '../config.ts';
import type { Db } from '../db/db.ts';
import { appendMessages, type Channel, type Conversation } from '../db/conversations-repo.ts';
import { readTurnContext, type TurnContext } from '../db/turn-repo.ts';
import { classifyLlmError, summarizeLlmError } from '../llm/errors.ts';
import type { Profile } from '../profile.ts';
import type { BookingNotifier } from '../booking/booking-notifier.ts';
import { modelTelemetry } from '../telemetry/model-telemetry.ts';
import { timeoutSignal } from '../timeout-signal.ts';
import { trimHistory } from './history.ts';
import { passagesWithin, renderPassages, retrievalQuery, type KnowledgeSource } from './knowledge-context.ts';
import { apology, type FailureCause } from './phrases.ts';
import { buildSystemPrompt, type PromptTemplates } from './system-prompt.ts';
import { buildToolSet, DEFAULT_TOOLS, KNOWLEDGE_TOOLS } from './tools/registry.ts';
import type { AssistantAction, AssistantTool, ToolContext } from './tools/tool.ts';

export type AssistantEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; name: string; input: unknown }
  | { type: 'tool-result'; name: string; output: unknown }
  /** The model is told the tool failed and answers accordingly; the turn goes on. */
  | { type: 'tool-error'; name: string; error: unknown }
  // llmMs: waiting on the LLM (and the tools it ran); waitedMs: that and the embedding request's wait, so the server's own time is the rest.
  | { type: 'failed'; cause: FailureCause; apology: string; llmMs: number; waitedMs: number }
  /** `messages`: the turn as stored (or, with `store: false`, as the transport is to store it); language: the conversation's at the end of the turn (the model may have switched it), which the reply is in. */
  | { type: 'done'; reply: string; actions: AssistantAction[]; messages: ModelMessage[]; language: Language; llmMs: number; waitedMs: number }
  /** The transport aborted the turn with TurnWithdrawn (the caller interrupted): nothing is stored, nothing failed. */
  | { type: 'withdrawn'; llmMs: number; waitedMs: number };

export interface AssistantDeps {
  db: Db;
  /** null when no LLM is configured: every turn then fails as `unavailable`. */
  model: LanguageModel | null;
  profile: Profile;
  prompts: PromptTemplates;
  log: Logger;
  maxConversationLength: number;
  turnTimeoutMs: number;
  streaming: boolean;
  tools?: readonly AssistantTool[];
  /** Passages from the business's documents before each LLM call, and the search_knowledge tool. */
  knowledge?: { source: KnowledgeSource; deadlineMs: number };
  /** Told how each turn ended (metrics), so the engine need not know who watches. */
  observer?: TurnObserver;
  /** Sends booking confirmations; none are sent without it. */
  bookingNotifier?: BookingNotifier;
  /** The clock the booking tools read; tests set it. */
  now?: () => Date;
}

/**
 * How a turn ended: `ok`, the failure the caller heard an apology for, `error` (it threw),
 * `abandoned` (its consumer stopped early) or `withdrawn` (its consumer aborted it with
 * TurnWithdrawn: a caller talking over the reply is no failure of the model).
 */
export type TurnReportOutcome = 'ok' | FailureCause | 'error' | 'abandoned' | 'withdrawn';

export interface TurnReport {
  channel: Channel;
  outcome: TurnReportOutcome;
  /** Time the turn waited on the model and the tools it ran. */
  llmMs: number;
}

export interface TurnObserver {
  turnFinished(report: TurnReport): void;
}

/**
 * The abort reason a transport gives when the caller cut the turn short (talked over the reply):
 * the turn is then `withdrawn`, not failed. Any other abort (a webhook's budget) is a failure.
 */
export class TurnWithdrawn extends Error {
  override name = 'TurnWithdrawn';
}

export interface TurnOptions {
  /** Aborted when the transport no longer wants the answer (caller hung up, client left); see TurnWithdrawn. */
  signal?: AbortSignal;
  /**
   * false for transports that use the whole reply at once (webhooks, JSON): one plain response
   * costs less to parse than a stream of deltas. Streaming also needs LLM_STREAMING.
   */
  stream?: boolean;
  /**
   * What the transport already read for this turn in its own statement (a voice turn reads it as
   * it claims the turn): the newest `historyLimit` messages and the caller's record, counted.
   * Without it the engine reads them, in one statement.
   */
  context?: TurnContext;
  /**
   * false when the transport stores the turn itself, together with its reply, in one statement (a
   * voice turn): the 'done' event's messages are then not yet stored. Default true.
   */
  store?: boolean;
}

export interface Assistant {
  runTurn(conversation: Conversation, text: string, options?: TurnOptions): AsyncGenerator<AssistantEvent>;
  /** How many of the newest messages a turn reads (a transport that reads them itself reads as many). */
  readonly historyLimit: number;
}

/** More than enough for a tool call and the answer after it; bounds a model that loops on tools. */
const MAX_STEPS = 5;

export function createAssistant(deps: AssistantDeps): Assistant {
  const toolSet = buildToolSet(deps.tools ?? (deps.knowledge ? [...DEFAULT_TOOLS, ...KNOWLEDGE_TOOLS] : DEFAULT_TOOLS));

  // One more than fits tells whether anything was left out.
  const keep = deps.maxConversationLength - 1;
  const historyLimit = keep + 1;

  function historyOf(conversation: Conversation, stored: TurnContext['history']): ModelMessage[] {
    const history = trimHistory(
      stored.map((row) => row.message),
      keep,
    );
    // Leading replies without a question (a call's greeting) are dropped too, but that is no trim.
    if (stored.length > keep) {
      deps.log.info({ conversationId: conversation.id, kept: history.length, limit: deps.maxConversationLength }, 'conversation history trimmed');
    }
    return history;
  }

  async function* runTurn(conversation: Conversation, text: string, options: TurnOptions = {}): AsyncGenerator<AssistantEvent> {
    const log = deps.log.child({ conversationId: conversation.id });
    if (!deps.model) {
      yield { type: 'failed', cause: 'unavailable', apology: apology(conversation.language, 'unavailable'), llmMs: 0, waitedMs: 0 };
      return;
    }
    const userMessage: ModelMessage = { role: 'user', content: text };
    const knowledge = deps.knowledge;
    // The caller's record and history come in one statement, unless the transport read them already.
    const { history: stored, caller } = options.context ?? (await readTurnContext(deps.db, conversation, historyLimit));
    const history = historyOf(conversation, stored);
    // Retrieval starts once the history gives the caller's previous words.
    let embeddingWait: { fromMs: number; toMs: number } | undefined;
    const found = knowledge
      ? await passagesWithin(knowledge.source, retrievalQuery(history, text), conversation.language, knowledge.deadlineMs, log, (wait) => (embeddingWait = wait))
      : undefined;
    // The embedding request is a model provider's time, like the LLM's: what of it the turn spent
    // with nothing else under way (its own ranking done) is not the server's.
    const embeddingMs = embeddingWait ? Math.max(0, embeddingWait.toMs - embeddingWait.fromMs) : 0;
    const messages = [...history, userMessage];
    const passages = found ? renderPassages(found) : undefined;
    const actions: AssistantAction[] = [];
    let language = conversation.language;
    const context: ToolContext = {
      db: deps.db,
      conversation,
      log,
      knowledge: knowledge?.source,
      profile: deps.profile,
      now: deps.now ?? (() => new Date()),
      ...(deps.bookingNotifier ? { bookingNotifier: deps.bookingNotifier } : {}),
      requestAction: (action) => actions.push(action),
      switchLanguage: (switched) => (language = switched),
    };
    const turnTimeout = timeoutSignal(deps.turnTimeoutMs);
    const deadline = turnTimeout.signal;
    const request: TurnRequest = {
      model: deps.model,
      system: buildSystemPrompt(deps.prompts, deps.profile, conversation.language, new Date(), passages, caller),
      messages,
      tools: toolSet,
      experimental_context: context,
      stopWhen: stepCountIs(MAX_STEPS),
      // The SDK backs off 2 s before a retry: a caller is better served by a prompt apology.
      maxRetries: 0,
      abortSignal: options.signal ? AbortSignal.any([deadline, options.signal]) : deadline,
      experimental_telemetry: modelTelemetry('assistant-turn'),
    };
    const startedMs = performance.now();
    // Time spent waiting on the model (and the tools it runs), so the server's own share of a turn can be measured.
    let llmMs = 0;
    let reply = '';
    let responseMessages: ModelMessage[];
    try {
      const produced = deps.streaming && options.stream !== false ? streamTurn(request) : generateTurn(request);
      const nextEvent = async () => {
        const waitStartedMs = performance.now();
        try {
          return await produced.next();
        } finally {
          llmMs += performance.now() - waitStartedMs;
        }
      };
      let next = await nextEvent();
      while (!next.done) {
        if (next.value.type === 'text-delta') reply += next.value.text;
        if (next.value.type === 'tool-error') log.error({ tool: next.value.name, error: String(next.value.error) }, 'tool failed');
        yield next.value;
        next = await nextEvent();
      }
      responseMessages = next.value;
    } catch (error) {
      // The caller's own interruption is no failure to apologise for or to count against the model.
      if (options.signal?.reason instanceof TurnWithdrawn && !deadline.aborted) {
        log.debug({ elapsedMs: Math.round(performance.now() - startedMs) }, 'turn withdrawn by its transport');
        yield { type: 'withdrawn', llmMs, waitedMs: llmMs + embeddingMs };
        return;
      }
      const cause = classifyLlmError(error, deadline.aborted);
      log.warn({ cause, error: summarizeLlmError(error), elapsedMs: Math.round(performance.now() - startedMs) }, 'LLM turn failed');
      // Nothing of the turn is stored: the history stays as it was before the caller spoke.
      yield { type: 'failed', cause, apology: apology(conversation.language, cause), llmMs, waitedMs: llmMs + embeddingMs };
      return;
    } finally {
      // The model is done with (or the consumer left): the timer goes rather than fire later.
      turnTimeout.clear();
    }
    // A model can answer with lone surrogates, noncharacters or NUL: jsonb refuses them and XML
    // cannot carry them, so the turn is stored and handed on only as well-formed text.
    const turnMessages = wellFormedDeep([userMessage, ...responseMessages]);
    if (options.store !== false) await appendMessages(deps.db, conversation.id, turnMessages);
    log.debug({ elapsedMs: Math.round(performance.now() - startedMs), actions }, 'turn complete');
    yield { type: 'done', reply: wellFormedText(reply).trim(), actions, messages: turnMessages, language, llmMs, waitedMs: llmMs + embeddingMs };
  }

  return { runTurn: deps.observer ? observeTurns(runTurn, deps.observer) : runTurn, historyLimit };
}

/** Reports every turn's end to `observer`, including turns that threw or were left unfinished. */
function observeTurns(runTurn: Assistant['runTurn'], observer: TurnObserver): Assistant['runTurn'] {
  return async function* observedTurn(conversation, text, options) {
    let outcome: TurnReportOutcome = 'abandoned';
    let llmMs = 0;
    try {
      for await (const event of runTurn(conversation, text, options)) {
        if (event.type === 'done' || event.type === 'failed' || event.type === 'withdrawn') {
          outcome = event.type === 'done' ? 'ok' : event.type === 'withdrawn' ? 'withdrawn' : event.cause;
          llmMs = event.llmMs;
        }
        yield event;
      }
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
      observer.turnFinished({ channel: conversation.channel, outcome, llmMs });
    }
  };
}

interface TurnRequest {
  model: LanguageModel;
  system: string;
  messages: ModelMessage[];
  tools: ToolSet;
  experimental_context: ToolContext;
  stopWhen: ReturnType<typeof stepCountIs>;
  maxRetries: number;
  abortSignal: AbortSignal;
  experimental_telemetry: TelemetrySettings;
}
type ModelEvents = AsyncGenerator<AssistantEvent, ModelMessage[]>;

/** Streams the model's reply as events; returns the messages to store. */
async function* streamTurn(request: TurnRequest): ModelEvents {
  const result = streamText({ ...request, onError: () => {} });
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        yield { type: 'text-delta', text: part.text };
        break;
      case 'tool-call':
        yield { type: 'tool-call', name: part.toolName, input: part.input };
        break;
      case 'tool-result':
        yield { type: 'tool-result', name: part.toolName, output: part.output };
        break;
      case 'tool-error':
        yield { type: 'tool-error', name: part.toolName, error: part.error };
        break;
      case 'error':
        throw part.error;
      case 'abort':
        throw new Error('LLM request aborted');
    }
  }
  return (await result.response).messages;
}

/** For endpoints that cannot stream: the whole reply arrives as one delta. */
async function* generateTurn(request: TurnRequest): ModelEvents {
  const result = await generateText(request);
  for (const step of result.steps) {
    for (const call of step.toolCalls) yield { type: 'tool-call', name: call.toolName, input: call.input };
    for (const toolResult of step.toolResults) yield { type: 'tool-result', name: toolResult.toolName, output: toolResult.output };
  }
  if (result.text) yield { type: 'text-delta', text: result.text };
  return result.response.messages;
}
