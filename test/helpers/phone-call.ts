// A scripted Twilio caller for tests: signed webhook requests and what the caller would hear.
import { accountSid, callSid, signedPost, type SignedPostResult } from './twilio-client.ts';

export interface Heard {
  says: string[];
  gatherAction: string | null;
  gatherLanguage: string | null;
  voice: string | null;
  redirect: string | null;
  hangup: boolean;
  raw: string;
}

const decode = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');

export function parseTwiml(raw: string): Heard {
  const attribute = (tag: string, name: string) => {
    const match = new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(raw);
    return match ? decode(match[1]!) : null;
  };
  return {
    says: [...raw.matchAll(/<Say\b[^>]*>([^<]*)<\/Say>/g)].map((match) => decode(match[1]!)),
    gatherAction: attribute('Gather', 'action'),
    gatherLanguage: attribute('Gather', 'language'),
    voice: attribute('Say', 'voice'),
    redirect: /<Redirect\b[^>]*>([^<]*)<\/Redirect>/.exec(raw)?.[1] ? decode(/<Redirect\b[^>]*>([^<]*)<\/Redirect>/.exec(raw)![1]!) : null,
    hangup: /<Hangup\s*\/>/.test(raw),
    raw,
  };
}

/** One simulated call: the same CallSid, From and To on every request, as Twilio sends them. */
export class PhoneCall {
  readonly sid = callSid();
  readonly account = accountSid();
  readonly baseUrl: string;
  readonly from: string;
  readonly to: string;
  constructor(baseUrl: string, from = '+14155551234', to = '+14155550199') {
    this.baseUrl = baseUrl;
    this.from = from;
    this.to = to;
  }

  params(extra: Record<string, string> = {}): Record<string, string> {
    return { CallSid: this.sid, AccountSid: this.account, From: this.from, To: this.to, CallStatus: 'in-progress', Direction: 'inbound', ...extra };
  }

  async post(path: string, extra: Record<string, string> = {}): Promise<SignedPostResult> {
    return signedPost(this.baseUrl, path, this.params(extra));
  }

  async start(path = '/twilio/incoming'): Promise<Heard> {
    return this.expectTwiml(await this.post(path, { CallStatus: 'ringing' }));
  }

  async say(action: string, speech: string): Promise<Heard> {
    return this.expectTwiml(await this.post(action, { SpeechResult: speech, Confidence: '0.93' }));
  }

  async expectDigits(action: string, digits: string): Promise<Heard> {
    return this.expectTwiml(await this.post(action, { Digits: digits }));
  }

  async silence(action: string): Promise<Heard> {
    return this.expectTwiml(await this.post(action));
  }

  /** Follows <Redirect>s the way Twilio does until the caller is asked to speak or hung up on. */
  async follow(heard: Heard, saidOnTheWay: string[] = []): Promise<{ heard: Heard; holding: string[] }> {
    let current = heard;
    while (current.redirect && !current.gatherAction && !current.hangup) {
      saidOnTheWay.push(...current.says);
      current = await this.silence(current.redirect);
    }
    return { heard: current, holding: saidOnTheWay };
  }

  async status(status: string, durationSeconds?: number): Promise<number> {
    const extra: Record<string, string> = { CallStatus: status };
    if (durationSeconds !== undefined) extra.CallDuration = String(durationSeconds);
    return (await this.post('/twilio/status', extra)).status;
  }

  private expectTwiml(result: SignedPostResult): Heard {
    if (result.status !== 200) throw new Error(`webhook answered ${result.status}: ${result.text}`);
    if (!result.contentType?.startsWith('text/xml')) throw new Error(`webhook answered ${result.contentType}`);
    return parseTwiml(result.text);
  }
}
