// What the assistant tells after a booking: the transport that sends the confirmation is wired in from outside.
import type { Language } from '../config.ts';

export interface BookingConfirmation {
  phone: string;
  language: Language;
  service: string;
  /** ISO 8601 with the business's offset. */
  start: string;
  appointmentId: string;
}

/** What became of the confirmation: the model may tell the caller a text is on its way, or that none could be sent. */
export type ConfirmationOutcome = 'sent' | 'failed' | 'not_sent';

export interface BookingNotifier {
  /** Never throws: a confirmation that cannot be sent must not undo or fail the booking. */
  appointmentBooked(confirmation: BookingConfirmation): Promise<ConfirmationOutcome>;
}
