// Twilio's REST API through the official library, reachable at TWILIO_API_BASE_URL (a loopback stand-in in tests).
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

type RequestOptions<TData> = RequestClient.RequestOptions<TData>;

const TWILIO_API_ORIGIN = 'https://api.twilio.com';
/** Long enough for Twilio on a bad day, short enough that a turn waiting on it still answers the caller. */
export const TWILIO_REST_TIMEOUT_MS = 5_000;

export interface TwilioRestOptions {
  accountSid: string;
  authToken: string;
  /** https://api.twilio.com, or another origin (and path prefix) speaking the same API. */
  apiBaseUrl: string;
  timeoutMs?: number;
}

/**
 * The library builds every URL from its own domains (api.twilio.com and friends); its pluggable
 * HTTP client is the one place all requests pass, so that is where they are re-pointed.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  private readonly apiBaseUrl: string;
  constructor(apiBaseUrl: string, timeoutMs: number) {
    super({ timeout: timeoutMs });
    this.apiBaseUrl = apiBaseUrl.replace(/\/+$/, '');
  }
  override request<TData>(opts: RequestOptions<TData>) {
    const uri = opts.uri.startsWith(TWILIO_API_ORIGIN) ? `${this.apiBaseUrl}${opts.uri.slice(TWILIO_API_ORIGIN.length)}` : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

/** The official client; every api.twilio.com request goes to `apiBaseUrl` instead when that differs. */
export function createTwilioRestClient(options: TwilioRestOptions): twilio.Twilio {
  const timeoutMs = options.timeoutMs ?? TWILIO_REST_TIMEOUT_MS;
  const httpClient = options.apiBaseUrl === TWILIO_API_ORIGIN ? new twilio.RequestClient({ timeout: timeoutMs }) : new BaseUrlRequestClient(options.apiBaseUrl, timeoutMs);
  // Set explicitly so the library does not read TWILIO_EDGE, TWILIO_REGION or TWILIO_LOG_LEVEL from
  // the environment behind loadConfig's back: a region would move requests off apiBaseUrl, and its
  // debug level would print request bodies (numbers, message text) to the console.
  return twilio(options.accountSid, options.authToken, { httpClient, edge: '', region: '', logLevel: 'info' });
}

export interface SmsSender {
  /** Resolves with the message SID once Twilio has accepted the message; rejects with Twilio's error. */
  sendSms(to: string, body: string): Promise<{ sid: string }>;
}

export function createSmsSender(client: twilio.Twilio, from: string): SmsSender {
  return {
    async sendSms(to, body) {
      const message = await client.messages.create({ to, from, body });
      return { sid: message.sid };
    },
  };
}

/** Twilio refuses for good with a 4xx (a wrong number, an unverified sender); 429 and 5xx pass. */
export function isPermanentTwilioError(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429;
}
