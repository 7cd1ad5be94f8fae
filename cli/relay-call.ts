// `phone-assistant call --relay`: a streamed call over a signed ConversationRelay WebSocket, tokens printed as they arrive.
import { Writable } from 'node:stream';
import twilio from 'twilio';
import WebSocket from 'ws';
import { LANGUAGES } from '../src/config.ts';
import { maskPhone } from '../src/phone.ts';
import { VOICES } from '../src/twilio/twiml.ts';
import { newSid, type CallSettings } from './call-settings.ts';
import { CliError } from './cli-error.ts';
import { openLineInput, type LineInput } from './line-input.ts';
import { findRelayConnect, type RelayConnect } from './relay-connect.ts';
import { errorLine, eventLine, noteLine, sayLine } from './terminal.ts';
import { parseTwiml } from './twiml.ts';
import { postWebhook } from './twilio-request.ts';
import { startSimulatedCall } from './simulated-call.ts';

type SessionEnd = { kind: 'caller' } | { kind: 'end'; handoffData: string } | { kind: 'closed' };

interface Frame {
  type?: unknown;
  transcriptionLanguage?: unknown;
  token?: unknown;
  last?: unknown;
  handoffData?: unknown;
}

/** One reply as it streams in: what has been printed (what the caller "heard") and when it started. */
interface Streaming {
  promptSentMs: number;
  firstTokenMs: number | null;
  heard: string;
}

export async function runRelayCall(settings: CallSettings): Promise<number> {
  const call = startSimulatedCall(settings);
  const { callSid } = call;
  const callParams = call.params;
  const hangUp = call.reportEnded;

  const incoming = new URL(`${settings.baseUrl}/twilio/incoming`);
  incoming.searchParams.set('mode', 'relay');
  if (settings.language) incoming.searchParams.set('language', settings.language);
  noteLine(`calling ${settings.baseUrl} from ${maskPhone(settings.from)} over ConversationRelay … (type while the assistant speaks to interrupt; Ctrl-D hangs up)`);

  const interactive = process.stdin.isTTY === true;
  // Piped lines are echoed when they are said, not when they are read (a line can wait for the reply to end).
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = openLineInput({ input: process.stdin, output: interactive ? process.stdout : silent, prompt: interactive ? 'you: ' : '' });
  const input = new SharedLines(lines);
  let answered = false;
  try {
    let twiml = await postWebhook({ url: incoming.href, params: callParams('ringing') }, settings);
    answered = true;
    for (;;) {
      const relay = findRelayConnect(twiml);
      if (!relay) {
        playEnding(twiml);
        break;
      }
      const ended = await runSession(relay, callSid, settings, input, interactive);
      if (ended.kind === 'caller') {
        eventLine('call ended (you hung up)');
        break;
      }
      // Twilio posts to the <Connect action> when a session ends, with the data the server gave it.
      const action = new URL(relay.action ?? '/twilio/relay-ended', incoming).href;
      const params = { ...callParams('in-progress'), SessionStatus: ended.kind === 'end' ? 'ended' : 'failed', ...(ended.kind === 'end' ? { HandoffData: ended.handoffData } : {}) };
      twiml = await postWebhook({ url: action, params }, settings);
    }
    await hangUp();
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    errorLine(error.message);
    if (answered) await hangUp().catch(() => undefined);
    return 1;
  } finally {
    lines.close();
  }
}

/** The TwiML after the relay: what it says, and how the call goes on (it ends here, for the simulator). */
function playEnding(twiml: string): void {
  for (const verb of parseTwiml(twiml)) {
    if (verb.kind === 'say' && verb.text) sayLine('assistant', verb.text);
    if (verb.kind === 'dial') eventLine(`(the call is handed over to ${verb.number || 'another party'}; the simulation ends here)`);
    if (verb.kind === 'gather') noteLine('(the server went on turn by turn; run `phone-assistant call` without --relay for that)');
  }
  eventLine('call ended');
}

/** Keeps one pending read across sessions, so a line typed while a session ends goes to the next one. */
class SharedLines {
  private pending: Promise<string | undefined> | null = null;
  private readonly lines: LineInput;
  constructor(lines: LineInput) {
    this.lines = lines;
  }
  next(): Promise<string | undefined> {
    this.pending ??= this.lines.next();
    return this.pending;
  }
  taken(): void {
    this.pending = null;
  }
}

async function openSocket(relay: RelayConnect, settings: CallSettings): Promise<WebSocket> {
  const signature = twilio.getExpectedTwilioSignature(settings.authToken, relay.url, {});
  const socket = new WebSocket(relay.url, { headers: { 'x-twilio-signature': signature } });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate();
      reject(new CliError(`the relay socket ${relay.url} refused the upgrade with ${response.statusCode}: signed with ${settings.tokenSource}`));
    });
    socket.once('error', (error) => reject(new CliError(`cannot open the relay socket ${relay.url}: ${error.message}`, { cause: error })));
  });
}

async function runSession(relay: RelayConnect, callSid: string, settings: CallSettings, input: SharedLines, interactive: boolean): Promise<SessionEnd> {
  const socket = await openSocket(relay, settings);
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
  send({ type: 'setup', sessionId: newSid('CA').replace(/^CA/, 'VX'), callSid, accountSid: settings.accountSid, from: settings.from, to: settings.to, direction: 'inbound', customParameters: relay.parameters });
  if (relay.welcomeGreeting) sayLine('assistant', relay.welcomeGreeting);
  // Twilio reports the language it recognises speech in with every prompt: the call's, until the server changes it.
  const callLanguage = LANGUAGES.find((language) => language === relay.parameters['language']) ?? 'en';
  let locale: string = VOICES[callLanguage].locale;

  let streaming: Streaming | null = null;
  let settle: (end: SessionEnd) => void = () => undefined;
  const ended = new Promise<SessionEnd>((resolve) => (settle = resolve));
  // Woken on every frame, to wait for the reply's first token or its end.
  const waiters = new Set<() => void>();
  const until = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!condition()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  socket.on('message', (data) => {
    let frame: Frame;
    try {
      frame = JSON.parse(data.toString()) as Frame;
    } catch {
      return noteLine('(the server sent a frame that is not JSON)');
    }
    try {
      onFrame(frame);
    } finally {
      for (const wake of [...waiters]) wake();
    }
  });
  const onFrame = (frame: Frame): void => {
    if (frame.type === 'end') return settle({ kind: 'end', handoffData: typeof frame.handoffData === 'string' ? frame.handoffData : '' });
    if (frame.type === 'language' && typeof frame.transcriptionLanguage === 'string') {
      locale = frame.transcriptionLanguage;
      return noteLine(`(the call now speaks ${locale})`);
    }
    if (frame.type !== 'text' || !streaming) return;
    const token = typeof frame.token === 'string' ? frame.token : '';
    if (token && streaming.firstTokenMs === null) {
      streaming.firstTokenMs = performance.now();
      process.stdout.write('assistant: ');
    }
    process.stdout.write(token);
    streaming.heard += token;
    if (frame.last === true) {
      const firstMs = streaming.firstTokenMs === null ? null : Math.round(streaming.firstTokenMs - streaming.promptSentMs);
      process.stdout.write('\n');
      noteLine(firstMs === null ? '(no words)' : `(first token after ${firstMs} ms)`);
      streaming = null;
    }
  };
  socket.once('close', () => settle({ kind: 'closed' }));

  try {
    for (;;) {
      const next = await Promise.race([input.next().then((line) => ({ line })), ended]);
      if ('kind' in next) return next;
      input.taken();
      if (next.line === undefined) {
        // The end of piped input hangs up once the reply being streamed is over, as a caller would.
        if (interactive) return { kind: 'caller' };
        return (await Promise.race([until(() => streaming === null).then(() => null), ended])) ?? { kind: 'caller' };
      }
      let text = next.line.trim();
      if (!interactive) {
        // At a terminal, typing over the reply interrupts it. Piped, a line waits for the reply to
        // end, unless it starts with "!": then it is said over the reply, once its first words are out.
        const barge = text.startsWith('!');
        if (barge) text = text.slice(1).trim();
        const waited = await Promise.race([until(() => streaming === null || (barge && streaming.firstTokenMs !== null)).then(() => null), ended]);
        if (waited) return waited;
      }
      if (text === '') continue;
      if (streaming) {
        const cut: Streaming = streaming;
        if (cut.firstTokenMs !== null) process.stdout.write(/\s$/.test(cut.heard) ? '…\n' : ' …\n');
        send({ type: 'interrupt', utteranceUntilInterrupt: cut.heard, durationUntilInterruptMs: cut.firstTokenMs === null ? 0 : Math.round(performance.now() - cut.firstTokenMs) });
        noteLine('(you interrupted)');
      }
      if (!interactive) sayLine('you', text);
      streaming = { promptSentMs: performance.now(), firstTokenMs: null, heard: '' };
      const digits = /^#([0-9#*]+)$/.exec(text)?.[1];
      // The entry ends with #, as a caller would end it rather than wait for the pause.
      if (digits) for (const digit of `${digits}#`) send({ type: 'dtmf', digit });
      else send({ type: 'prompt', voicePrompt: text, lang: locale, last: true });
    }
  } finally {
    socket.close();
  }
}
