// One ConversationRelay session: the caller's words in, the model's tokens out as they come, barge-in cut to what was heard.
import { SpanKind } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Assistant } from '../assistant/engine.ts';
import { apology, phrase } from '../assistant/phrases.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { findCallConversation, openCallConversation } from '../db/calls-repo.ts';
import { loadRecentMessages, setConversationLanguage, type Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { storeInterruptedTurn, truncateLastReply } from '../db/heard-replies-repo.ts';
import { isE164, maskPhone } from '../phone.ts';
import { inSpan } from '../telemetry/spans.ts';
import { VOICES } from '../twilio/twiml.ts';
import { MAX_REPROMPTS } from '../twilio/voice-turn.ts';
import { isBackchannel } from './backchannel.ts';
import { createKeypadEntry } from './keypad-entry.ts';
import { parseInbound, type HandoffData, type InboundMessage, type OutboundMessage, type SetupMessage } from './relay-messages.ts';

export interface RelaySessionDeps {
  db: Db;
  assistant: Assistant;
  defaultLanguage: Language;
  /** Work still running when its socket closed (storing a cut-off turn); awaited on shutdown. */
  inFlight: Set<Promise<unknown>>;
  /** Silence allowed after a reply has been said before the caller is asked again (RELAY_SILENCE_TIMEOUT_MS). */
  silenceTimeoutMs: number;
}

/** The part of a WebSocket the session uses. */
export interface RelaySocket {
  readonly readyState: number;
  send(data: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

const OPEN = 1;

/** A reply being streamed; `heard` is set once the caller cut it off. */
interface RunningTurn {
  controller: AbortController;
  sent: string;
  heard: string | null;
}

// Tools after which the call leaves the relay: their reply is said by the <Connect action>'s TwiML,
// so that ending the session cannot cut it off.
const LEAVING_TOOLS = new Set(['end_call', 'transfer_to_human']);
// Tools that wait on the database or the knowledge base: the caller hears a short phrase instead of silence.
const SLOW_TOOLS = new Set(['search_knowledge', 'find_free_slots', 'book_appointment', 'move_appointment', 'cancel_appointment', 'list_my_appointments']);

// Twilio does not say when it has finished speaking: a reply is reckoned to take this long per character.
const SPEECH_MS_PER_CHAR = 60;

const languageOf = (value: string | undefined): Language | undefined => LANGUAGES.find((language) => language === value);
/** The language of a locale such as `ru-RU`, when it is one we speak. */
const languageOfLocale = (locale: string | undefined): Language | undefined => languageOf(locale?.toLowerCase().split(/[-_]/)[0]);

export function runRelaySession(socket: RelaySocket, deps: RelaySessionDeps, baseLog: FastifyBaseLogger): void {
  let log = baseLog;
  let conversation: Conversation | null = null;
  let turn: RunningTurn | null = null;
  let ended = false;
  let setupSeen = false;
  // Turns and stores run one after another, in the order the caller spoke.
  let queue: Promise<void> = Promise.resolve();
  // Silences in a row, and the timer that notices the next one.
  let silences = 0;
  let silenceTimer: NodeJS.Timeout | null = null;
  // The keys of an entry still being typed; a whole entry is one turn.
  const keypad = createKeypadEntry((entry) => {
    if (!ended) answerKeys(entry);
  });

  const send = (message: OutboundMessage): void => {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
  };
  // Each step a message starts is a trace of its own, as a webhook request is: `step` names it (never the caller's words).
  const enqueue = (step: string, work: () => Promise<void>): void => {
    const next = queue.then(() => inSpan(step, { kind: SpanKind.SERVER, parent: 'new trace' }, work)).catch((error: unknown) => log.error({ err: error }, 'relay session step failed'));
    queue = next;
    deps.inFlight.add(next);
    void next.finally(() => deps.inFlight.delete(next));
  };

  const heardFromCaller = (): void => {
    if (silenceTimer) clearTimeout(silenceTimer);
    silenceTimer = null;
    silences = 0;
  };

  /** Starts waiting for the caller once `said` has been spoken: a silence re-prompts, the last one says goodbye. */
  const listenAfter = (said: string): void => {
    if (silenceTimer) clearTimeout(silenceTimer);
    silenceTimer = null;
    // A closed or ended session has no one left to listen to.
    if (ended) return;
    silenceTimer = setTimeout(onSilence, deps.silenceTimeoutMs + said.length * SPEECH_MS_PER_CHAR);
  };

  function onSilence(): void {
    silenceTimer = null;
    if (!conversation || ended || turn) return;
    silences += 1;
    if (silences > MAX_REPROMPTS) {
      ended = true;
      const handoff: HandoffData = { reason: 'silence', say: false };
      send({ type: 'end', handoffData: JSON.stringify(handoff) });
      log.info('relay call ended after silence');
      return;
    }
    const reprompt = phrase(conversation.language, 'reprompt');
    send({ type: 'text', token: reprompt, last: true });
    listenAfter(reprompt);
  }

  /** The caller spoke over the reply: stop the model now; the turn's own task stores what was heard. */
  const cutOff = (heard: string): void => {
    if (!turn || turn.heard !== null) return;
    turn.heard = heard.trim();
    turn.controller.abort();
  };

  async function start(setup: SetupMessage): Promise<void> {
    const parameter = setup.customParameters?.['language'];
    const language = languageOf(typeof parameter === 'string' ? parameter : undefined) ?? deps.defaultLanguage;
    const caller = setup.from && isE164(setup.from) ? setup.from : null;
    // Opened by /twilio/incoming as a rule; a call whose start was never stored is opened here.
    conversation =
      (await findCallConversation(deps.db, setup.callSid)) ?? (await openCallConversation(deps.db, { callSid: setup.callSid, caller, language })).conversation;
    log = baseLog.child({ callSid: setup.callSid, conversationId: conversation.id });
    log.info({ phone: caller ? maskPhone(caller) : null, language: conversation.language }, 'relay session started');
    // Twilio says the welcome greeting (the last thing stored) as the session opens.
    const [greeting] = await loadRecentMessages(deps.db, conversation.id, 1);
    listenAfter(greeting?.message.role === 'assistant' ? greeting.text : '');
  }

  /** The caller now speaks another of our languages: the conversation follows, and Twilio speaks it too. */
  async function followLanguage(language: Language | undefined): Promise<void> {
    if (!conversation || !language || language === conversation.language) return;
    conversation = await setConversationLanguage(deps.db, conversation.id, language);
    const { locale } = VOICES[language];
    send({ type: 'language', ttsLanguage: locale, transcriptionLanguage: locale });
    log.info({ language }, 'call language changed');
  }

  async function answer(text: string): Promise<void> {
    if (!conversation) log.warn('caller turn before a valid setup: not answered');
    if (!conversation || ended) return;
    const current: RunningTurn = { controller: new AbortController(), sent: '', heard: null };
    turn = current;
    const startedMs = performance.now();
    let held = '';
    let holdBack = false;
    let outcome: { stored: boolean; actions: readonly string[] } | null = null;
    try {
      for await (const event of deps.assistant.runTurn(conversation, text, { signal: current.controller.signal, stream: true })) {
        if (event.type === 'done') outcome = { stored: true, actions: event.actions };
        if (current.heard !== null) continue;
        if (event.type === 'tool-call' && LEAVING_TOOLS.has(event.name)) holdBack = true;
        if (event.type === 'tool-call' && SLOW_TOOLS.has(event.name) && current.sent === '') {
          const filler = `${phrase(conversation.language, 'holding')} `;
          current.sent += filler;
          send({ type: 'text', token: filler, last: false });
        }
        if (event.type === 'text-delta' && event.text !== '') {
          if (holdBack) {
            held += event.text;
            continue;
          }
          if (current.sent === '') log.debug({ firstTokenMs: Math.round(performance.now() - startedMs) }, 'first token sent');
          current.sent += event.text;
          send({ type: 'text', token: event.text, last: false });
        }
        if (event.type === 'failed') {
          send({ type: 'text', token: (current.sent ? ' ' : '') + event.apology, last: true });
          listenAfter(current.sent + event.apology);
        }
      }
    } catch (error) {
      log.error({ err: error }, 'relay turn failed');
      if (current.heard === null) {
        send({ type: 'text', token: apology(conversation.language, 'other'), last: true });
        listenAfter(current.sent);
      }
    } finally {
      turn = null;
    }
    if (current.heard !== null) {
      // What the caller heard replaces what the model wrote, so the next turn's history matches the call.
      if (outcome?.stored) await truncateLastReply(deps.db, conversation.id, current.heard);
      else await storeInterruptedTurn(deps.db, conversation.id, text, current.heard);
      log.info({ heardChars: current.heard.length, sentChars: current.sent.length }, 'reply interrupted');
      // An interruption that is not followed by words (a cough, a noise) is a silence like any other.
      listenAfter('');
      return;
    }
    if (!outcome) return;
    const leaving = outcome.actions.includes('transfer') ? 'transfer' : outcome.actions.includes('end_call') ? 'end_call' : null;
    if (leaving) {
      if (current.sent !== '') send({ type: 'text', token: '', last: true });
      const handoff: HandoffData = { reason: leaving, say: held.trim() !== '' };
      ended = true;
      send({ type: 'end', handoffData: JSON.stringify(handoff) });
      log.info({ reason: leaving }, 'relay session ended by the assistant');
      return;
    }
    // A hand-over that was not possible is an ordinary answer after all.
    const rest = held || (current.sent === '' ? phrase(conversation.language, 'reprompt') : '');
    send({ type: 'text', token: rest, last: true });
    listenAfter(current.sent + rest);
  }

  function handle(message: InboundMessage): void {
    if (message.type === 'setup') {
      if (setupSeen) log.warn('second setup message ignored');
      else enqueue('relay setup', () => start(message));
      setupSeen = true;
      return;
    }
    if (message.type === 'info') return;
    if (message.type === 'error') {
      // Twilio's description can quote a frame (our words or the caller's): only at debug, under a redacted key.
      log.warn('relay reported an error');
      log.debug({ text: message.description }, 'relay error description');
      return;
    }
    // Words, keys or an interruption: the caller is there.
    heardFromCaller();
    if (message.type === 'interrupt') {
      const heard = message.utteranceUntilInterrupt;
      if (turn) cutOff(heard);
      // Streamed whole already (and stored): the stored reply is cut instead.
      else {
        enqueue('relay interrupt', async () => void (conversation && (await truncateLastReply(deps.db, conversation.id, heard))));
        listenAfter('');
      }
      return;
    }
    if (message.type === 'prompt') {
      if (message.last === false || message.voicePrompt === '') return;
      // "Mm-hm" while the reply is still coming is listening, not a new turn: the reply goes on.
      if (turn && turn.heard === null && isBackchannel(message.voicePrompt)) {
        log.debug('backchannel while streaming: ignored');
        return;
      }
      // Words while a reply streams mean the caller talked over it; without Twilio's account of what was heard, what was sent is the best guess.
      if (turn) cutOff(turn.sent);
      const text = message.voicePrompt;
      const spoken = languageOfLocale(message.lang);
      log.debug({ speech: text }, 'caller turn');
      enqueue('relay prompt', async () => {
        await followLanguage(spoken);
        await answer(text);
      });
      return;
    }
    if (turn) cutOff(turn.sent);
    keypad.press(message.digit);
  }

  /** A whole keypad entry is one turn, as in turn-based calls. */
  function answerKeys(entry: string): void {
    if (entry === '0') {
      // 0 is a person, please, as in turn-based calls: the <Connect action> puts them through without asking the model.
      enqueue('relay operator', async () => {
        if (ended) return;
        ended = true;
        const handoff: HandoffData = { reason: 'operator', say: false };
        send({ type: 'end', handoffData: JSON.stringify(handoff) });
        log.info({ reason: 'operator' }, 'relay session ended by the assistant');
      });
      return;
    }
    const pressed = `[keypad] ${entry}`;
    enqueue('relay keypad', () => answer(pressed));
  }

  socket.on('message', (data, isBinary) => {
    const parsed = isBinary ? ({ ok: false, reason: 'binary frame' } as const) : parseInbound(data.toString());
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason }, 'relay message dropped');
      return;
    }
    handle(parsed.message);
  });
  socket.on('close', () => {
    ended = true;
    heardFromCaller();
    keypad.clear();
    // The caller hung up, or Twilio moved the call on: a reply still streaming was heard at most as far as it was sent.
    if (turn) cutOff(turn.sent);
    log.info('relay session closed');
  });
}
