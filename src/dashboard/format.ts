// Dates, durations and phone numbers as the owner reads them, in the business's time zone.
import { DateTime } from 'luxon';
import { maskPhone } from '../phone.ts';
import { html, type Html } from './html.ts';
import type { Strings } from './i18n/strings.ts';

export function inZone(date: Date | string, timeZone: string): DateTime {
  return DateTime.fromJSDate(typeof date === 'string' ? new Date(date) : date, { zone: timeZone });
}

// Intl formatters made once per zone and language: luxon takes about a millisecond per date, which lists of 50 rows felt.
const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string, locale: string): Record<string, string> {
  const key = `${timeZone} ${locale}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(key, format);
  }
  return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
}

/** "14:05" today, "Tue 3 Jun 14:05" otherwise (in `locale`'s words). */
export function when(date: Date | string, timeZone: string, locale = 'en-GB'): string {
  const at = partsIn(typeof date === 'string' ? new Date(date) : date, timeZone, locale);
  const now = partsIn(new Date(), timeZone, locale);
  const time = `${at.hour}:${at.minute}`;
  const today = at.year === now.year && at.month === now.month && at.day === now.day;
  return today ? time : `${at.weekday} ${at.day} ${at.month} ${time}`;
}

/** maskPhone, which remembers the numbers it has seen: lists show the same callers again and again. */
export const masked = maskPhone;

export function duration(seconds: number | null, t: Strings): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? t.common.minutesSeconds(minutes, seconds % 60) : t.common.seconds(seconds);
}

/** The masked number, with the whole one (and a tel: link) behind a click. */
export function phone(number: string | null, t: Strings): Html {
  if (!number) return html`<span class="muted">${t.common.withheld}</span>`;
  return html`<details class="reveal"><summary title="${t.common.showNumber}">${masked(number)}</summary><a href="tel:${number}">${number}</a></details>`;
}

export function channelName(channel: string, t: Strings): string {
  return t.common.channels[channel] ?? channel;
}

/** A call's status in plain words. */
export function statusName(status: string, t: Strings): string {
  return t.common.statuses[status] ?? status;
}
