// Twilio's REST API through the official library; TWILIO_API_BASE_URL sends its requests elsewhere (a loopback stand-in in tests).
import twilio from 'twilio';

export interface TwilioRestConfig {
  accountSid: string;
  authToken: string;
  /** Replaces the scheme, host and port of every API URL; unset, Twilio's own hosts. */
  apiBaseUrl: string | undefined;
}

export interface TwilioRest {
  sendSms(message: { from: string; to: string; body: string }): Promise<{ sid: string }>;
}

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/** The library builds each URL from its own domains; this rewrites it just before the request leaves. */
class RebasedRequestClient extends twilio.RequestClient {
  readonly base: URL;
  constructor(base: string) {
    super();
    this.base = new URL(base);
  }
  override request<TData>(opts: RequestOptions & { data?: TData }) {
    const target = new URL(opts.uri);
    const rebased = new URL(this.base.pathname.replace(/\/+$/, '') + target.pathname + target.search, this.base);
    return super.request({ ...opts, uri: rebased.href });
  }
}

export function createTwilioRest(config: TwilioRestConfig): TwilioRest {
  const client = twilio(config.accountSid, config.authToken, config.apiBaseUrl ? { httpClient: new RebasedRequestClient(config.apiBaseUrl) } : {});
  return {
    async sendSms({ from, to, body }) {
      const message = await client.messages.create({ from, to, body });
      return { sid: message.sid };
    },
  };
}
