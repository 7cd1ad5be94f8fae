// Refuses /twilio/* POSTs that are not form-encoded, before the body is read or anything else is done.
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.ts';

const FORM = 'application/x-www-form-urlencoded';

/** The media type without parameters (`; charset=utf-8`), lower-cased; '' when there is none. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * An onRequest hook: Twilio posts every webhook form-encoded, so anything else (JSON, text, no
 * body at all) is not Twilio. Answering 415 here means no other parser builds shapes the
 * signature check and the schemas were never meant to see.
 */
export async function requireFormBody(request: FastifyRequest): Promise<void> {
  if (request.method !== 'POST' || mediaType(request.headers['content-type']) === FORM) return;
  throw new HttpError(415, 'unsupported_media_type', `Twilio webhooks are form-encoded: send Content-Type: ${FORM}.`);
}
