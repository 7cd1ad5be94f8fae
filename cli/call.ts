// `phone-assistant call`: a voice call to a running server, played in the terminal the way Twilio would play it.
import { maskPhone } from '../src/phone.ts';
import type { CallSettings } from './call-settings.ts';
import { callRecordView } from './call-record.ts';
import { CliError } from './cli-error.ts';
import { openLineInput, type LineInput } from './line-input.ts';
import { errorLine, eventLine, noteLine, sayLine } from './terminal.ts';
import type { Verb } from './twiml.ts';
import { fetchTwiml, type WebhookRequest } from './twilio-request.ts';
import { startSimulatedCall } from './simulated-call.ts';

/** What a Gather collected, as the parameters Twilio adds for it. */
type CallerInput = Record<string, string>;
// Twilio reports how sure its speech recognition is; typed text gets a plausible constant.
const SPEECH_CONFIDENCE = '0.92';

type Step = { kind: 'post'; request: WebhookRequest } | { kind: 'end'; reason: 'hangup' | 'caller' };

export async function runCall(settings: CallSettings): Promise<number> {
  const call = startSimulatedCall(settings);
  const { callSid } = call;
  const callParams = call.params;
  const hangUp = call.reportEnded;

  const incoming = new URL(`${settings.baseUrl}/twilio/incoming`);
  if (settings.language) incoming.searchParams.set('language', settings.language);
  noteLine(`calling ${settings.baseUrl} from ${maskPhone(settings.from)} … (Ctrl-D hangs up)`);

  const record = callRecordView(settings, callSid);
  const lines = openLineInput({ input: process.stdin, output: process.stdout, prompt: 'you: ', describe: (line) => line.trim() || '(silence)' });
  let reportOnFailure = false;
  try {
    let step: Step = { kind: 'post', request: { url: incoming.href, params: callParams('ringing') } };
    while (step.kind === 'post') {
      const verbs = await fetchTwiml(step.request, settings);
      reportOnFailure = true;
      step = await play(verbs, step.request.url, { lines, inProgress: () => callParams('in-progress'), beforeListening: () => record.showNewTexts() });
    }
    reportOnFailure = false; // the report is sent just below, and not retried if it fails
    await hangUp();
    eventLine(step.reason === 'caller' ? 'call ended (you hung up)' : 'call ended');
    // Nothing more is read from the keyboard: Ctrl-C while waiting for the summary ends the command at once.
    lines.close();
    await record.showAftermath();
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    errorLine(error.message);
    // Twilio ends a call whose webhook failed and still reports it; the server should not keep it open.
    if (reportOnFailure) await hangUp().catch(() => undefined);
    return 1;
  } finally {
    lines.close();
  }
}

interface Player {
  lines: LineInput;
  inProgress: () => Record<string, string>;
  /** Runs once what the caller hears has been said, before they answer: texts sent during the turn appear here. */
  beforeListening: () => Promise<void>;
}

/** Plays one TwiML document: what it says is printed, and the first verb that leaves the document decides the next step. */
async function play(verbs: Verb[], documentUrl: string, { lines, inProgress, beforeListening }: Player): Promise<Step> {
  for (const verb of verbs) {
    switch (verb.kind) {
      case 'say':
        if (verb.text) sayLine('assistant', verb.text);
        break;
      case 'gather': {
        for (const prompt of verb.prompts) if (prompt.kind === 'say' && prompt.text) sayLine('assistant', prompt.text);
        await beforeListening();
        const line = await lines.next();
        if (line === undefined) return { kind: 'end', reason: 'caller' };
        const input = callerInput(line);
        // Without actionOnEmptyResult, Twilio moves on to the next verb when it heard nothing.
        if (Object.keys(input).length === 0 && !verb.actionOnEmptyResult) break;
        return { kind: 'post', request: { url: resolve(verb.action ?? documentUrl, documentUrl), params: { ...inProgress(), ...input } } };
      }
      case 'redirect':
        if (!verb.url) throw new CliError('server answered a <Redirect> without a URL');
        return { kind: 'post', request: { url: resolve(verb.url, documentUrl), params: inProgress() } };
      case 'hangup':
        return { kind: 'end', reason: 'hangup' };
      case 'dial': {
        if (!verb.action) {
          eventLine(`(the call is transferred to ${verb.number || 'another party'}; the simulation ends here)`);
          return { kind: 'end', reason: 'hangup' };
        }
        await beforeListening();
        eventLine(`(dialling ${verb.number || 'another party'}, ringing up to ${verb.timeoutSeconds ?? DEFAULT_DIAL_TIMEOUT_SECONDS} s)`);
        const ended = await playDial(lines);
        if (ended === undefined) return { kind: 'end', reason: 'caller' };
        return { kind: 'post', request: { url: resolve(verb.action, documentUrl), params: { ...inProgress(), ...ended } } };
      }
      case 'pause':
        break;
      case 'message':
        noteLine('(<Message> has no meaning in a call; skipped)');
        break;
      case 'other':
        noteLine(`(<${verb.name}> is not simulated; skipped)`);
        break;
    }
  }
  // Twilio hangs up when a document runs out of verbs.
  return { kind: 'end', reason: 'hangup' };
}

// Twilio's default ring time for <Dial>.
const DEFAULT_DIAL_TIMEOUT_SECONDS = 30;

const DIAL_CHOICES: Record<string, 'completed' | 'no-answer' | 'busy' | 'failed'> = { a: 'completed', n: 'no-answer', b: 'busy', f: 'failed' };

/**
 * The person at the terminal decides how the dial ends; an answered call lasts until they press
 * Enter. Returns the parameters Twilio posts to the dial's action, or undefined when stdin ended.
 */
async function playDial(lines: LineInput): Promise<Record<string, string> | undefined> {
  for (;;) {
    noteLine('does the person answer? a = answers, n = no answer, b = busy, f = fails');
    const line = await lines.next();
    if (line === undefined) return undefined;
    const status = DIAL_CHOICES[line.trim().charAt(0).toLowerCase()];
    if (!status) continue;
    if (status !== 'completed') {
      eventLine(`(${status === 'no-answer' ? 'nobody answers' : status === 'busy' ? 'the line is busy' : 'the call fails'}: back to the assistant)`);
      return { DialCallStatus: status, DialCallDuration: '0' };
    }
    const answeredAtMs = Date.now();
    eventLine('(a person answers: you are talking to them now; press Enter when they hang up)');
    if ((await lines.next()) === undefined) return undefined;
    eventLine('(the person hangs up)');
    return { DialCallStatus: status, DialCallDuration: String(Math.round((Date.now() - answeredAtMs) / 1000)) };
  }
}

/** A typed line as Twilio would report it: `#123` is keypad digits, an empty line is silence. */
function callerInput(line: string): CallerInput {
  const text = line.trim();
  const digits = /^#([0-9#*]+)$/.exec(text);
  if (digits?.[1]) return { Digits: digits[1] };
  if (text === '') return {};
  return { SpeechResult: text, Confidence: SPEECH_CONFIDENCE };
}

// Relative URLs in TwiML resolve against the URL of the document, as Twilio resolves them.
function resolve(target: string, documentUrl: string): string {
  if (!URL.canParse(target, documentUrl)) throw new CliError(`server answered a URL that cannot be resolved: "${target}"`);
  return new URL(target, documentUrl).href;
}
