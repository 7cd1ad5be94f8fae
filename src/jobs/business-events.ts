// Events for the business (BUSINESS_WEBHOOK_URL): written to the outbox in the caller's transaction, delivered later.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { z } from 'zod';
import { enqueueJob } from '../db/outbox-repo.ts';
import { PermanentJobError } from './outbox-worker.ts';

export const EVENT_TYPES = ['conversation.completed', 'callback.requested', 'appointment.booked', 'appointment.moved', 'appointment.cancelled', 'transfer.failed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The JSON body POSTed to the business; `id` stays the same on every retry, for deduplication. */
export interface BusinessEvent {
  id: string;
  type: EventType;
  created_at: string;
  data: Record<string, unknown>;
}

export const WEBHOOK_JOB = 'webhook';
/** A text to OWNER_NOTIFY_NUMBER, for the events a person should act on soon. */
export const OWNER_SMS_JOB = 'owner_sms';
const OWNER_SMS_EVENTS: ReadonlySet<EventType> = new Set(['callback.requested', 'transfer.failed']);

/**
 * Records an event for delivery; returns its id. Given a transaction, the event is kept exactly
 * when what it reports is: it cannot be lost to a crash between the two.
 */
export async function enqueueEvent(db: Queryable, type: EventType, data: Record<string, unknown>): Promise<string> {
  const event: BusinessEvent = { id: randomUUID(), type, created_at: new Date().toISOString(), data };
  await enqueueJob(db, { kind: WEBHOOK_JOB, payload: event });
  // A job of its own: a failing webhook must not text the owner again on every retry, nor the reverse.
  if (OWNER_SMS_EVENTS.has(type)) await enqueueJob(db, { kind: OWNER_SMS_JOB, payload: event });
  return event.id;
}

const eventSchema = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/** An outbox job's event, checked: one that is not (written by another version, say) is given up on, not retried. */
export function parseEvent(payload: unknown): BusinessEvent {
  const parsed = eventSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentJobError(`not a business event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
