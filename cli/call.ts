// `phone-assistant call`: a voice call to a running server, played in the terminal the way Twilio would play it.
import { maskPhone } from '../src/phone.ts';
import { newSid, type CallSettings } from './call-settings.ts';
import { CliError } from './cli-error.ts';
import { openLineInput, type LineInput } from './line-input.ts';
import { errorLine, eventLine, noteLine, sayLine } from './terminal.ts';
import type { Verb } from './twiml.ts';
import { fetchTwiml, postWebhook, type WebhookRequest } from './twilio-request.ts';

/** What a Gather collected, as the parameters Twilio adds for it. */
type CallerInput = Record<string, string>;
// Twilio reports how sure its speech recognition is; typed text gets a plausible constant.
const SPEECH_CONFIDENCE = '0.92';

type Step = { kind: 'post'; request: WebhookRequest } | { kind: 'end'; reason: 'hangup' | 'caller' };

export async function runCall(settings: CallSettings): Promise<number> {
  const callSid = newSid('CA');
  const startedAtMs = Date.now();
  const callParams = (status: 'ringing' | 'in-progress' | 'completed'): Record<string, string> => ({
    CallSid: callSid,
    AccountSid: settings.accountSid,
    From: settings.from,
    To: settings.to,
    CallStatus: status,
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  });
  const hangUp = () =>
    postWebhook(
      {
        url: `${settings.baseUrl}/twilio/status`,
        params: { ...callParams('completed'), CallDuration: String(Math.round((Date.now() - startedAtMs) / 1000)) },
      },
      settings,
    );

  const incoming = new URL(`${settings.baseUrl}/twilio/incoming`);
  if (settings.language) incoming.searchParams.set('language', settings.language);
  noteLine(`calling ${settings.baseUrl} from ${maskPhone(settings.from)} … (Ctrl-D hangs up)`);

  const lines = openLineInput({ input: process.stdin, output: process.stdout, prompt: 'you: ', describe: (line) => line.trim() || '(silence)' });
  let reportOnFailure = false;
  try {
    let step: Step = { kind: 'post', request: { url: incoming.href, params: callParams('ringing') } };
    while (step.kind === 'post') {
      const verbs = await fetchTwiml(step.request, settings);
      reportOnFailure = true;
      step = await play(verbs, step.request.url, lines, () => callParams('in-progress'));
    }
    reportOnFailure = false; // the report is sent just below, and not retried if it fails
    await hangUp();
    eventLine(step.reason === 'caller' ? 'call ended (you hung up)' : 'call ended');
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

/** Plays one TwiML document: what it says is printed, and the first verb that leaves the document decides the next step. */
async function play(verbs: Verb[], documentUrl: string, lines: LineInput, inProgress: () => Record<string, string>): Promise<Step> {
  for (const verb of verbs) {
    switch (verb.kind) {
      case 'say':
        if (verb.text) sayLine('assistant', verb.text);
        break;
      case 'gather': {
        for (const prompt of verb.prompts) if (prompt.kind === 'say' && prompt.text) sayLine('assistant', prompt.text);
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
      case 'dial':
        eventLine(`(the call is transferred to ${verb.number || 'another party'}; the simulation ends here)`);
        return { kind: 'end', reason: 'hangup' };
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
