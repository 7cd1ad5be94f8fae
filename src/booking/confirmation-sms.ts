// Booking confirmations by SMS in the caller's language; a text that cannot be sent is logged, never fatal.
import type { Logger } from 'pino';
import type { BookingConfirmation, BookingNotifier } from './booking-notifier.ts';
import type { Language } from '../config.ts';
import { isE164, maskPhone } from '../phone.ts';

/** Sends one text; the transport (Twilio's REST API) is wired in by the app. */
export interface SmsSend {
  sendSms(to: string, body: string): Promise<{ sid: string }>;
}

const LOCALES: Record<Language, string> = { en: 'en-GB', ru: 'ru-RU', uk: 'uk-UA', sk: 'sk-SK' };

const TEMPLATES: Record<Language, (business: string, service: string, when: string) => string> = {
  en: (b, s, w) => `${b}: your ${s} is booked for ${w}. To change or cancel it, call or text us.`,
  ru: (b, s, w) => `${b}: вы записаны на «${s}» — ${w}. Чтобы перенести или отменить запись, позвоните или напишите нам.`,
  uk: (b, s, w) => `${b}: вас записано на «${s}» — ${w}. Щоб перенести чи скасувати запис, зателефонуйте або напишіть нам.`,
  sk: (b, s, w) => `${b}: váš termín (${s}) je rezervovaný na ${w}. Ak ho chcete zmeniť alebo zrušiť, zavolajte alebo nám napíšte.`,
};

/** The confirmation as the caller reads it, the time in the business's zone and the caller's language. */
export function confirmationText(confirmation: Pick<BookingConfirmation, 'language' | 'service' | 'start'>, business: string, timeZone: string): string {
  const when = new Intl.DateTimeFormat(LOCALES[confirmation.language], { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date(confirmation.start));
  return TEMPLATES[confirmation.language](business, confirmation.service, when);
}

export function createSmsBookingNotifier(deps: { sms: SmsSend; businessName: string; timeZone: string; log: Logger }): BookingNotifier {
  return {
    async appointmentBooked(confirmation) {
      const log = deps.log.child({ appointmentId: confirmation.appointmentId, phone: maskPhone(confirmation.phone) });
      // A softphone or SIP caller has no number a text could reach.
      if (!isE164(confirmation.phone)) return 'not_sent';
      try {
        const { sid } = await deps.sms.sendSms(confirmation.phone, confirmationText(confirmation, deps.businessName, deps.timeZone));
        log.info({ messageSid: sid }, 'booking confirmation sent');
        return 'sent';
      } catch (error) {
        // Twilio's error text can quote the number, so only its status and code are logged; a network error has neither.
        const { status, code } = error as { status?: number; code?: number | string };
        const detail = status === undefined ? { error: error instanceof Error ? error.message : String(error) } : {};
        log.warn({ status, code, ...detail }, 'booking confirmation could not be sent; the booking stands');
        return 'failed';
      }
    },
  };
}
