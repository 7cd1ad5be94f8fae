// Posts a webhook the way Twilio does (form-encoded, signed with the official library) and reads the TwiML answer.
import twilio from 'twilio';
import { CliError } from './cli-error.ts';
import { parseTwiml, TwimlError, type Verb } from './twiml.ts';

// Twilio gives up on a webhook after 15 s and plays its application-error message instead.
const WEBHOOK_TIMEOUT_MS = 15_000;
const EXCERPT_LENGTH = 300;

export interface WebhookRequest {
  /** The full URL, query included: it is what the signature covers. */
  url: string;
  params: Record<string, string>;
}

/** Sends one signed webhook; returns the body of a 2xx answer, and throws a CliError for anything else. */
export async function postWebhook(request: WebhookRequest, authToken: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, request.url, request.params),
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
  if (!response.ok) throw new CliError(`server answered ${response.status}: ${excerpt(body)}`);
  return body;
}

/** Sends one signed webhook and parses its answer as TwiML. */
export async function fetchTwiml(request: WebhookRequest, authToken: string): Promise<Verb[]> {
  const body = await postWebhook(request, authToken);
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
