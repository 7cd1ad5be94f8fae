// Booking confirmations by SMS in the caller's language: recorded with the booking or the move, sent by the outbox (sms.send).
import type { Logger } from 'pino';
import type { Queryable } from '../db/db.ts';
import type { BookingConfirmation, BookingNotifier, ConfirmationKind, ConfirmationOutcome } from './booking-notifier.ts';
import type { Language } from '../config.ts';
import { queueSms } from '../jobs/outgoing-sms.ts';
import { isE164, maskPhone } from '../phone.ts';

const LOCALES: Record<Language, string> = { en: 'en-GB', ru: 'ru-RU', uk: 'uk-UA', sk: 'sk-SK' };

type Template = (business: string, service: string, when: string) => string;

const TEMPLATES: Record<ConfirmationKind, Record<Language, Template>> = {
  booked: {
    en: (b, s, w) => `${b}: your ${s} is booked for ${w}. To change or cancel it, call or text us.`,
    ru: (b, s, w) => `${b}: вы записаны на «${s}» — ${w}. Чтобы перенести или отменить запись, позвоните или напишите нам.`,
    uk: (b, s, w) => `${b}: вас записано на «${s}» — ${w}. Щоб перенести чи скасувати запис, зателефонуйте або напишіть нам.`,
    sk: (b, s, w) => `${b}: váš termín (${s}) je rezervovaný na ${w}. Ak ho chcete zmeniť alebo zrušiť, zavolajte alebo nám napíšte.`,
  },
  moved: {
    en: (b, s, w) => `${b}: your ${s} has been moved to ${w}. To change or cancel it, call or text us.`,
    ru: (b, s, w) => `${b}: ваша запись на «${s}» перенесена на ${w}. Чтобы изменить или отменить её, позвоните или напишите нам.`,
    uk: (b, s, w) => `${b}: ваш запис на «${s}» перенесено на ${w}. Щоб змінити чи скасувати його, зателефонуйте або напишіть нам.`,
    sk: (b, s, w) => `${b}: váš termín (${s}) sme presunuli na ${w}. Ak ho chcete zmeniť alebo zrušiť, zavolajte alebo nám napíšte.`,
  },
};

/** The confirmation as the caller reads it, the time in the business's zone and the caller's language. */
export function confirmationText(
  confirmation: Pick<BookingConfirmation, 'language' | 'service' | 'start'>,
  business: string,
  timeZone: string,
  kind: ConfirmationKind = 'booked',
): string {
  const when = new Intl.DateTimeFormat(LOCALES[confirmation.language], { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date(confirmation.start));
  return TEMPLATES[kind][confirmation.language](business, confirmation.service, when);
}

export interface SmsBookingNotifierDeps {
  businessName: string;
  timeZone: string;
  /** Whether a Twilio account and number are there to send from; without, texts are kept as not_configured. */
  sendingConfigured: boolean;
  /** Wakes the outbox worker so the text goes out now. */
  wake(): void;
  log: Logger;
}

export function createSmsBookingNotifier(deps: SmsBookingNotifierDeps): BookingNotifier {
  async function recordConfirmation(tx: Queryable, confirmation: BookingConfirmation, kind: ConfirmationKind): Promise<ConfirmationOutcome> {
    // A softphone or SIP caller has no number a text could reach.
    if (!isE164(confirmation.phone)) return 'not_sent';
    const body = confirmationText(confirmation, deps.businessName, deps.timeZone, kind);
    // A savepoint, so a failure here leaves the booking's transaction usable and the booking standing.
    await tx.query('SAVEPOINT booking_confirmation');
    try {
      await queueSms(tx, { conversationId: confirmation.conversationId, appointmentId: confirmation.appointmentId, to: confirmation.phone, body }, deps.sendingConfigured);
      await tx.query('RELEASE SAVEPOINT booking_confirmation');
      return deps.sendingConfigured ? 'on_its_way' : 'not_configured';
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT booking_confirmation');
      deps.log.warn(
        { appointmentId: confirmation.appointmentId, phone: maskPhone(confirmation.phone), error: error instanceof Error ? error.message : String(error) },
        'booking confirmation could not be recorded; the booking stands',
      );
      return 'not_sent';
    }
  }

  return { recordConfirmation, committed: () => deps.wake() };
}
