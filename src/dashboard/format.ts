// Dates, durations and phone numbers as the owner reads them, in the business's time zone.
import { DateTime } from 'luxon';
import { maskPhone } from '../phone.ts';
import { html, type Html } from './html.ts';

export function inZone(date: Date | string, timeZone: string): DateTime {
  return DateTime.fromJSDate(typeof date === 'string' ? new Date(date) : date, { zone: timeZone });
}

// Intl formatters made once per zone: luxon takes about a millisecond per date, which lists of 50 rows felt.
const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string): Record<string, string> {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
}

/** "14:05" today, "Tue 3 Jun 14:05" otherwise. */
export function when(date: Date | string, timeZone: string): string {
  const at = partsIn(typeof date === 'string' ? new Date(date) : date, timeZone);
  const now = partsIn(new Date(), timeZone);
  const time = `${at.hour}:${at.minute}`;
  const today = at.year === now.year && at.month === now.month && at.day === now.day;
  return today ? time : `${at.weekday} ${at.day} ${at.month} ${time}`;
}

/** maskPhone, which remembers the numbers it has seen: lists show the same callers again and again. */
export const masked = maskPhone;

export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** The masked number, with the whole one (and a tel: link) behind a click. */
export function phone(number: string | null): Html {
  if (!number) return html`<span class="muted">withheld</span>`;
  return html`<details class="reveal"><summary title="Show the number">${masked(number)}</summary><a href="tel:${number}">${number}</a></details>`;
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
