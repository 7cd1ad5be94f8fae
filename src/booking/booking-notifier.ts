// What the assistant tells after a booking or a move: the confirmation is recorded with it and sent in the background.
import type { Language } from '../config.ts';
import type { Queryable } from '../db/db.ts';

export interface BookingConfirmation {
  phone: string;
  language: Language;
  service: string;
  /** ISO 8601 with the business's offset. */
  start: string;
  appointmentId: string;
  /** The conversation in which the booking was made (or moved). */
  conversationId: string;
}

/**
 * What became of the confirmation, as the model reads it: `on_its_way` (recorded, sent within
 * moments), `not_configured` (no Twilio account to text from; kept to show what would have gone),
 * `not_sent` (no number a text could reach, or it could not be recorded).
 */
export type ConfirmationOutcome = 'on_its_way' | 'not_configured' | 'not_sent';

/** What the text confirms: a new booking, or an existing one at its new time (the earlier text names the old). */
export type ConfirmationKind = 'booked' | 'moved';

export interface BookingNotifier {
  /**
   * Records the confirmation in the booking's (or the move's) own transaction. Never throws, and
   * never spoils the transaction: a confirmation that cannot be recorded must not undo or fail it.
   */
  recordConfirmation(tx: Queryable, confirmation: BookingConfirmation, kind: ConfirmationKind): Promise<ConfirmationOutcome>;
  /** Once the booking or move has committed: starts sending what was recorded rather than waiting for the next poll. */
  committed(): void;
}
