// Dates, durations and phone numbers as the owner reads them, in the business's time zone.
import { DateTime } from 'luxon';
import { maskPhone } from '../phone.ts';
import { html, type Html } from './html.ts';

export function inZone(date: Date | string, timeZone: string): DateTime {
  return DateTime.fromJSDate(typeof date === 'string' ? new Date(date) : date, { zone: timeZone });
}

/** "14:05" today, "Tue 3 Jun 14:05" otherwise. */
export function when(date: Date | string, timeZone: string): string {
  const at = inZone(date, timeZone);
  const today = DateTime.now().setZone(timeZone).hasSame(at, 'day');
  return today ? at.toFormat('HH:mm') : at.toFormat('ccc d LLL HH:mm');
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** The masked number, with the whole one (and a tel: link) behind a click. */
export function phone(number: string | null): Html {
  if (!number) return html`<span class="muted">withheld</span>`;
  return html`<details class="reveal"><summary title="Show the number">${maskPhone(number)}</summary><a href="tel:${number}">${number}</a></details>`;
}

export const CHANNEL_NAMES: Record<string, string> = { voice: 'Call', sms: 'SMS', text: 'Text' };

/** A call's status in plain words. */
export function statusName(status: string): string {
  const names: Record<string, string> = {
    active: 'open',
    'in-progress': 'in progress',
    ringing: 'ringing',
    queued: 'queued',
    completed: 'ended',
    'no-answer': 'no answer',
    busy: 'busy',
    failed: 'failed',
    canceled: 'cancelled',
  };
  return names[status] ?? status;
}
