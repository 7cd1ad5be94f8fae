// Delivers one business event: a signed JSON POST; any answer but 2xx (or none in time) is a failure to retry.
import type { Logger } from 'pino';
import { parseEvent } from './business-events.ts';
import type { JobHandler } from './outbox-worker.ts';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts';

export interface WebhookTarget {
  url: string;
  secret: string;
}

/** A receiver that accepts the connection but never answers must not hold the job past its lease. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** Without a target the event is only kept in the outbox (done), so nothing piles up waiting for a URL. */
export function webhookHandler(target: WebhookTarget | null, log: Logger): JobHandler {
  return async (job, signal) => {
    const event = parseEvent(job.payload);
    if (!target) return;
    const body = JSON.stringify(event);
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'phone-assistant-webhooks',
        [SIGNATURE_HEADER]: signWebhookBody(target.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
    });
    // Read (and drop) the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`the receiver answered ${response.status}`);
    log.info({ eventId: event.id, type: event.type, attempt: job.attempts }, 'business event delivered');
  };
}
