// One ConversationRelay session: the caller's words in, the model's tokens out as they come, barge-in cut to what was heard.
import { SpanKind } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import { TurnWithdrawn, type Assistant } from '../assistant/engine.ts';
import { phrase } from '../assistant/phrases.ts';
import { LANGUAGES, type Language } from '../config.ts';
import { findCallConversation, openCallConversation } from '../db/calls-repo.ts';
import { appendMessages, loadRecentMessages, setConversationLanguage, type Conversation } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { truncateLastReply } from '../db/heard-replies-repo.ts';
import { isE164, maskPhone } from '../phone.ts';
import { inSpan } from '../telemetry/spans.ts';
import { VOICES } from '../twilio/twiml.ts';
import { isBackchannel } from './backchannel.ts';
import { createKeypadEntry } from './keypad-entry.ts';
import { movingPhrase } from './relay-phrases.ts';
import { parseInbound, type HandoffData, type InboundMessage, type OutboundMessage, type SetupMessage } from './relay-messages.ts';
import { streamReply, type RunningTurn } from './relay-turn.ts';
import { createSilenceWatch } from './silence-watch.ts';

export interface RelaySessionDeps {
  db: Db;
  assistant: Assistant;
  defaultLanguage: Language;
  /** Work still running when its socket closed (storing a cut-off turn); awaited on shutdown. */
  inFlight: Set<Promise<unknown>>;
  /** Silence allowed after a reply has been said before the caller is asked again (RELAY_SILENCE_TIMEOUT_MS). */
  silenceTimeoutMs: number;
  /** Counts a caller's turn against RATE_LIMIT_CALLER_PER_MINUTE, shared with their webhooks; true once it is spent. */
  limitCallerTurn(caller: string | null, callSid: string): Promise<boolean>;
  /** A model's text delta went out as a `text` frame, `delayMs` after its bytes reached the process. */
  observeTokenDelay(delayMs: number): void;
}

/** The part of a WebSocket the session uses. */
export interface RelaySocket {
  readonly readyState: number;
  send(data: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface RelaySession {
  /**
   * The process is shutting down: a reply under way finishes (or, past `deadlineMs` on the
   * performance clock, is cut where it stands), the caller hears a short "one moment", and the
   * session ends with `moved`, for the <Connect action> on another instance to continue the call.
   */
  leave(deadlineMs: number): Promise<void>;
}

const OPEN = 1;

// Twilio does not say when it has finished speaking: a reply is reckoned to take this long per character.
const SPEECH_MS_PER_CHAR = 60;

const languageOf = (value: unknown): Language | undefined => LANGUAGES.find((language) => language === value);
/** The language of a locale such as `ru-RU`, when it is one we speak. */
const languageOfLocale = (locale: string | undefined): Language | undefined => languageOf(locale?.toLowerCase().split(/[-_]/)[0]);
const settlesWithin = (work: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([work.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref())]);

export function runRelaySession(socket: RelaySocket, deps: RelaySessionDeps, baseLog: FastifyBaseLogger): RelaySession {
  let log = baseLog;
  let conversation: Conversation | null = null;
  let callSid = '';
  let turn: RunningTurn | null = null;
  // Set once the session has sent `end`, or its socket closed: nothing more is said or answered.
  let ended = false;
  // Set while the process shuts down: the caller's further turns are not taken.
  let leaving = false;
  let setupSeen = false;
  // Past the caller's rate limit the caller is asked once to slow down, and further turns are dropped.
  let slowDownSaid = false;
  // When what we have sent will have been said (performance clock), reckoned from its length.
  let speakingUntil = 0;
  // Turns and stores run one after another, in the order the caller spoke.
  let queue: Promise<void> = Promise.resolve();
  // The keys of an entry still being typed; a whole entry is one turn.
  const keypad = createKeypadEntry((entry) => {
    if (!ended && !leaving) answerKeys(entry);
  });
  const silence = createSilenceWatch(deps.silenceTimeoutMs, {
    listening: () => conversation !== null && !ended && !leaving && turn === null,
    reprompt() {
      say(phrase(conversation!.language, 'reprompt'));
      listen();
    },
    giveUp() {
      endSession({ reason: 'silence', say: false });
      log.info('relay call ended after silence');
    },
  });

  /** True once the frame is handed to the socket; false when it has closed. */
  const send = (message: OutboundMessage): boolean => {
    if (socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    if (message.type === 'text') speakingUntil = Math.max(performance.now(), speakingUntil) + message.token.length * SPEECH_MS_PER_CHAR;
    return true;
  };
  /** A whole phrase of ours, said at once. */
  const say = (text: string): void => {
    send({ type: 'text', token: text, last: true });
  };
  const endSession = (handoff: HandoffData): void => {
    ended = true;
    silence.stop();
    send({ type: 'end', handoffData: JSON.stringify(handoff) });
  };
  // Each step a message starts is a trace of its own, as a webhook request is: `step` names it (never the caller's words).
  const enqueue = (step: string, work: () => Promise<void>): void => {
    const next = queue.then(() => inSpan(step, { kind: SpanKind.SERVER, parent: 'new trace' }, work)).catch((error: unknown) => log.error({ err: error }, 'relay session step failed'));
    queue = next;
    deps.inFlight.add(next);
    void next.finally(() => deps.inFlight.delete(next));
  };
  /** Waits for the caller once all we sent has been said: a silence re-prompts, the last one says goodbye. */
  const listen = (): void => {
    // A closed or ended session has no one left to listen to.
    if (!ended && !leaving) silence.listenAfter(Math.max(0, speakingUntil - performance.now()));
  };

  /** The caller spoke over the reply: stop the model now; the turn's own task stores what was heard. */
  const cutOff = (heard: string): void => {
    speakingUntil = performance.now();
    if (!turn || turn.heard !== null) return;
    turn.heard = heard.trim();
    turn.controller.abort(new TurnWithdrawn('the caller cut the reply short'));
  };

  async function start(setup: SetupMessage): Promise<void> {
    const language = languageOf(setup.customParameters?.['language']) ?? deps.defaultLanguage;
    const caller = setup.from && isE164(setup.from) ? setup.from : null;
    callSid = setup.callSid;
    // Opened by /twilio/incoming as a rule; a call whose start was never stored is opened here.
    conversation = (await findCallConversation(deps.db, callSid)) ?? (await openCallConversation(deps.db, { callSid, caller, language })).conversation;
    log = baseLog.child({ callSid, conversationId: conversation.id });
    log.info({ phone: caller ? maskPhone(caller) : null, language: conversation.language }, 'relay session started');
    // Twilio says the welcome greeting (the last thing stored) as the session opens.
    const [greeting] = await loadRecentMessages(deps.db, conversation.id, 1);
    if (greeting?.message.role === 'assistant') speakingUntil = performance.now() + greeting.text.length * SPEECH_MS_PER_CHAR;
    listen();
  }

  /** From now on Twilio speaks and hears `language`, and so does this session. */
  const speakIn = (language: Language): void => {
    if (!conversation || language === conversation.language) return;
    conversation = { ...conversation, language };
    const { locale } = VOICES[language];
    send({ type: 'language', ttsLanguage: locale, transcriptionLanguage: locale });
    log.info({ language }, 'call language changed');
  };

  /** The caller now speaks another of our languages: the conversation follows. */
  async function followLanguage(language: Language | undefined): Promise<void> {
    if (!conversation || !language || language === conversation.language) return;
    await setConversationLanguage(deps.db, conversation.id, language);
    speakIn(language);
  }

  async function answer(text: string): Promise<void> {
    if (!conversation || ended || leaving) return;
    const current: RunningTurn = { controller: new AbortController(), sent: '', heard: null };
    turn = current;
    let ending: HandoffData | null;
    try {
      ending = await streamReply({ db: deps.db, assistant: deps.assistant, log, conversation, send, speakIn, observeTokenDelay: deps.observeTokenDelay }, current, text);
    } finally {
      turn = null;
    }
    if (ending) {
      endSession(ending);
      log.info({ reason: ending.reason }, 'relay session ended by the assistant');
    } else listen();
  }

  /** A turn of the caller's, counted against their rate limit first. */
  function takeTurn(step: 'relay prompt' | 'relay keypad', text: string, spoken?: Language): void {
    enqueue(step, async () => {
      if (!conversation) return log.warn('caller turn before a valid setup: not answered');
      if (ended || leaving) return;
      if (await deps.limitCallerTurn(conversation.caller, callSid)) {
        log.info({ repeated: slowDownSaid }, 'caller rate limited: turn dropped');
        if (!slowDownSaid) say(phrase(conversation.language, 'rate_limited_caller'));
        slowDownSaid = true;
        return listen();
      }
      slowDownSaid = false;
      await followLanguage(spoken);
      await answer(text);
    });
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
    if (leaving) return log.info({ type: message.type }, 'caller turn while shutting down: not taken');
    // Words, keys or an interruption: the caller is there.
    silence.heard();
    if (message.type === 'interrupt') {
      const heard = message.utteranceUntilInterrupt;
      if (turn) cutOff(heard);
      // Streamed whole already (and stored): the stored reply is cut instead.
      else {
        speakingUntil = performance.now();
        enqueue('relay interrupt', async () => void (conversation && (await truncateLastReply(deps.db, conversation.id, heard))));
        listen();
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
      log.debug({ speech: message.voicePrompt }, 'caller turn');
      takeTurn('relay prompt', message.voicePrompt, languageOfLocale(message.lang));
      return;
    }
    if (turn) cutOff(turn.sent);
    keypad.press(message.digit);
  }

  /** A whole keypad entry is one turn, as in turn-based calls. */
  function answerKeys(entry: string): void {
    if (entry !== '0') return takeTurn('relay keypad', `[keypad] ${entry}`);
    // 0 is a person, please, as in turn-based calls: the <Connect action> puts them through without asking the model.
    enqueue('relay operator', async () => {
      if (ended) return;
      endSession({ reason: 'operator', say: false });
      log.info({ reason: 'operator' }, 'relay session ended by the assistant');
    });
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
    silence.stop();
    keypad.clear();
    // The caller hung up, or Twilio moved the call on: a reply still streaming was heard at most as far as it was sent.
    if (turn) cutOff(turn.sent);
    log.info('relay session closed');
  });

  return {
    async leave(deadlineMs) {
      if (ended || leaving) return;
      leaving = true;
      silence.stop();
      keypad.clear();
      const remaining = () => Math.max(0, deadlineMs - performance.now());
      // A reply under way may finish in time; past it, it is cut where it stands, as if the caller had spoken.
      if (!(await settlesWithin(queue, remaining())) && turn) cutOff(turn.sent);
      await queue;
      // Ended meanwhile by its own turn (a goodbye, a hand-over), or never set up: nothing to move.
      if (ended || !conversation) return;
      const moment = movingPhrase(conversation.language);
      await appendMessages(deps.db, conversation.id, [{ role: 'assistant', content: [{ type: 'text', text: moment }] }]);
      say(moment);
      await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(0, speakingUntil - performance.now()), remaining())));
      endSession({ reason: 'moved', say: false });
      log.info('relay session handed on: the process is shutting down');
    },
  };
}
