// Events for the business (BUSINESS_WEBHOOK_URL): written to the outbox in the caller's transaction, delivered later.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { enqueueJob } from '../db/outbox-repo.ts';

export const EVENT_TYPES = ['conversation.completed', 'callback.requested', 'appointment.booked', 'appointment.cancelled', 'transfer.failed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The JSON body POSTed to the business; `id` stays the same on every retry, for deduplication. */
export interface BusinessEvent {
  id: string;
  type: EventType;
  created_at: string;
  data: Record<string, unknown>;
}

export const WEBHOOK_JOB = 'webhook';

/**
 * Records an event for delivery; returns its id. Given a transaction, the event is kept exactly
 * when what it reports is: it cannot be lost to a crash between the two.
 */
export async function enqueueEvent(db: Queryable, type: EventType, data: Record<string, unknown>): Promise<string> {
  const event: BusinessEvent = { id: randomUUID(), type, created_at: new Date().toISOString(), data };
  await enqueueJob(db, { kind: WEBHOOK_JOB, payload: event });
  return event.id;
}
