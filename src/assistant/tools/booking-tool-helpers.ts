// What the booking tools share: the caller's number from the conversation, times in the profile's zone, the confirmation text.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Appointment } from '../../booking/appointments-repo.ts';
import type { ConfirmationKind, ConfirmationOutcome } from '../../booking/booking-notifier.ts';
import { formatInstant } from '../../booking/free-slots.ts';
import type { Queryable } from '../../db/db.ts';
import type { ToolContext } from './tool.ts';

/** Why a booking tool did nothing: the model reads it and tells the caller. */
export const NO_CALLER_NUMBER = {
  error: 'no_caller_number',
  message: "The caller's phone number is unknown in this conversation, so appointments cannot be booked or looked up here. Offer to take a message instead.",
} as const;

/** The caller's number, only ever from the transport (Twilio's From), never from what the model passes. */
export function callerNumber(context: ToolContext): string | null {
  return context.conversation.caller;
}

export const dateInput = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' })
  .refine((value) => DateTime.fromISO(value).isValid, { error: 'must be a real calendar date' });

export const startInput = z
  .string()
  .trim()
  .max(40)
  .describe('The start exactly as find_free_slots gave it, ISO 8601 with offset, e.g. 2026-03-03T09:00:00+01:00');

/** A start the model passed: with an offset as given, without one as the business's local time. */
export function parseStart(value: string, context: ToolContext): Date | null {
  const parsed = DateTime.fromISO(value, { zone: context.profile.timezone });
  return parsed.isValid ? parsed.toJSDate() : null;
}

export function formatForCaller(instant: Date, context: ToolContext): string {
  return formatInstant(instant, context.profile.timezone);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id the model passed; anything that cannot be an appointment id is treated as one that does not exist. */
export function appointmentIdOrNull(value: string): string | null {
  return UUID.test(value) ? value.toLowerCase() : null;
}

export const NOT_FOUND = {
  error: 'not_found',
  message: "No upcoming appointment of this caller has that id. Call list_my_appointments to see the caller's own appointments.",
} as const;

/**
 * The confirmation text for a booking or a move, recorded in its transaction by `record` (none
 * without a notifier), and `sent()` to start sending it once that transaction has committed.
 */
export function confirmationSms(context: ToolContext, phone: string, kind: ConfirmationKind) {
  const notifier = context.bookingNotifier;
  let outcome: ConfirmationOutcome = 'not_sent';
  const record = notifier
    ? async (tx: Queryable, appointment: Appointment) => {
        const confirmation = {
          phone,
          language: context.conversation.language,
          conversationId: context.conversation.id,
          service: appointment.service,
          start: formatForCaller(appointment.startsAt, context),
          appointmentId: appointment.id,
        };
        outcome = await notifier.recordConfirmation(tx, confirmation, kind);
      }
    : undefined;
  return {
    record,
    /** What the model is told: whether a text is on its way. */
    outcome: () => outcome,
    // Committed: the text goes out in the background, so the caller's turn never waits on Twilio.
    sent: () => {
      if (outcome === 'on_its_way') notifier?.committed();
    },
  };
}
