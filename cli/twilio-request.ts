// Posts a webhook the way Twilio does (form-encoded, signed with the official library) and reads the TwiML answer.
import twilio from 'twilio';
import { CliError } from './cli-error.ts';
import { parseTwiml, TwimlError, type Verb } from './twiml.ts';

// Twilio gives up on a webhook after 15 s and plays its application-error message instead.
const WEBHOOK_TIMEOUT_MS = 15_000;
const EXCERPT_LENGTH = 300;

/** The token requests are signed with, and where it came from, for the hint when the server refuses a signature. */
export interface Signing {
  authToken: string;
  /** `--token`, `TWILIO_AUTH_TOKEN`, or the development token's file. */
  tokenSource: string;
}

export interface WebhookRequest {
  /** The full URL, query included: it is what the signature covers. */
  url: string;
  params: Record<string, string>;
}

/** Sends one signed webhook; returns the body of a 2xx answer, and throws a CliError for anything else. */
export async function postWebhook(request: WebhookRequest, signing: Signing): Promise<string> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(signing.authToken, request.url, request.params),
        'user-agent': 'TwilioProxy/1.1 (phone-assistant call simulator)',
      },
      body: new URLSearchParams(request.params).toString(),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new CliError(`${request.url} did not answer within ${WEBHOOK_TIMEOUT_MS / 1000} s (Twilio would give up and play an error message)`);
    }
    throw new CliError(`cannot reach ${request.url}: is the server running (npm start)?`, { cause: error });
  }
  const body = await response.text();
  if (response.status === 403) throw new CliError(`server answered 403: ${excerpt(body)}\n${signatureHint(signing, request.url)}`);
  if (!response.ok) throw new CliError(`server answered ${response.status}: ${excerpt(body)}`);
  return body;
}

/** A refused signature means another token or another URL than the server's: say which were used, and how to match them. */
function signatureHint(signing: Signing, url: string): string {
  return [
    `The server refused the signature, made with ${signing.tokenSource} over ${new URL(url).origin}.`,
    "A server started with another DATA_DIR (or from another directory) has another development token: run this with the server's DATA_DIR, or pass --token (its TWILIO_AUTH_TOKEN when it has one).",
    'A server with PUBLIC_URL set checks signatures against that URL: pass it as --url.',
  ].join('\n');
}

/** Sends one signed webhook and parses its answer as TwiML. */
export async function fetchTwiml(request: WebhookRequest, signing: Signing): Promise<Verb[]> {
  const body = await postWebhook(request, signing);
  try {
    return parseTwiml(body);
  } catch (error) {
    if (!(error instanceof TwimlError)) throw error;
    throw new CliError(`server answered with something that is not TwiML (${error.message}): ${excerpt(body)}`);
  }
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}…` : flat;
}
