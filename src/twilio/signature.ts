// Rejects /twilio/* requests whose X-Twilio-Signature does not match the URL Twilio called.
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';

export interface TwilioUrlOptions {
  publicUrl: string | undefined;
  trustProxy: boolean;
}

export interface TwilioSignatureOptions extends TwilioUrlOptions {
  /** null turns validation off (VALIDATE_TWILIO_REQUESTS=false outside production). */
  authToken: string | null;
}

/** Anything carrying the raw Node request: a FastifyRequest, or `{ raw }` around an upgrade request. */
export interface RawRequestLike {
  raw: IncomingMessage;
}

const VOICE_REJECTION =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Say>We could not verify this request.</Say></Response>';

/** First value of a proxy header: proxies chain values as `a, b` or repeat the header. */
function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value[0] : value;
  const first = joined?.split(',')[0]?.trim();
  return first ? first : undefined;
}

function ownProtocol(raw: IncomingMessage): string {
  // Decided from the socket rather than request.protocol so that Fastify's own trustProxy
  // setting cannot make this hook trust forwarded headers it was told not to trust.
  return 'encrypted' in raw.socket && raw.socket.encrypted === true ? 'https' : 'http';
}

/**
 * The URL Twilio signed: the configured public URL, the forwarded scheme and host, or the
 * request's own, followed by the request target exactly as received (re-encoding it would
 * change the string Twilio signed).
 */
export function twilioRequestUrl(request: RawRequestLike, options: TwilioUrlOptions): string {
  const { raw } = request;
  const target = raw.url ?? '/';
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '') + target;
  const ownHost = firstHeaderValue(raw.headers.host) ?? '';
  if (options.trustProxy) {
    const protocol = firstHeaderValue(raw.headers['x-forwarded-proto']) ?? ownProtocol(raw);
    const host = firstHeaderValue(raw.headers['x-forwarded-host']) ?? ownHost;
    return `${protocol}://${host}${target}`;
  }
  return `${ownProtocol(raw)}://${ownHost}${target}`;
}

/** Form parameters as Twilio signs them: each a string, or repeated strings for a repeated key. */
type FormParams = Record<string, string | string[]>;

const isFormValue = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));

/**
 * The POST parameters Twilio signed: `{}` without a body, null for a body no form parser
 * produces (nested objects, numbers), which no Twilio signature can cover.
 */
function formParams(body: unknown): FormParams | null {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) return null;
  return Object.values(body).every(isFormValue) ? (body as FormParams) : null;
}

/**
 * Whether `signature` is Twilio's over `url` and `body`: false, never an exception, for any input.
 * The official validator throws on parameter values it cannot turn into text and on URLs it
 * cannot parse (a Host header no browser would send); either way Twilio did not sign it.
 */
export function isTwilioSignatureValid(authToken: string, signature: string, url: string, body: unknown): boolean {
  try {
    const params = formParams(body);
    return params !== null && twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}

/** Register as `preValidation` so an unsigned request gets 403 before schema validation can answer 422. */
export function verifyTwilioSignature(options: TwilioSignatureOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const { authToken } = options;
  return async function twilioSignatureHook(request, reply) {
    if (authToken === null) return;
    const header = request.headers['x-twilio-signature'];
    const signature = typeof header === 'string' ? header : '';
    const reason =
      signature === ''
        ? 'missing X-Twilio-Signature'
        : isTwilioSignatureValid(authToken, signature, twilioRequestUrl(request, options), request.body)
          ? null
          : 'signature mismatch';
    if (reason === null) return;

    // The query string can carry caller data; the path is enough to find the route.
    const path = (request.raw.url ?? '/').split('?')[0] ?? '/';
    request.log.warn({ reason, path }, `rejected Twilio request: ${reason}`);
    if (path.startsWith('/twilio/voice')) {
      // TwiML so that a caller on a misconfigured number hears why, instead of Twilio's error message.
      reply.code(403).type('text/xml').send(VOICE_REJECTION);
    } else {
      reply.code(403).send({ error: 'forbidden', message: 'Invalid Twilio signature' });
    }
    // Waiting for the response to finish means Fastify sees the reply as sent and skips the handler,
    // even when asynchronous onSend hooks delay it.
    await reply;
    if (!reply.sent) throw new Error('Twilio request rejected');
  };
}
