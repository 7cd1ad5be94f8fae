// Delivers one business event: a signed JSON POST; any answer but 2xx (or none in time) is a failure to retry.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OutboxJob } from '../db/outbox-repo.ts';
import { EVENT_TYPES, type BusinessEvent } from './business-events.ts';
import { PermanentJobError, type JobHandler } from './outbox-worker.ts';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts';

export interface WebhookTarget {
  url: string;
  secret: string;
}

/** A receiver that accepts the connection but never answers must not hold the job past its lease. */
export const DELIVERY_TIMEOUT_MS = 10_000;

const eventSchema = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

function parseEvent(job: OutboxJob): BusinessEvent {
  const parsed = eventSchema.safeParse(job.payload);
  if (!parsed.success) throw new PermanentJobError(`not a business event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Without a target the event is only kept in the outbox (done), so nothing piles up waiting for a URL. */
export function webhookHandler(target: WebhookTarget | null, log: Logger): JobHandler {
  return async (job, signal) => {
    const event = parseEvent(job);
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
