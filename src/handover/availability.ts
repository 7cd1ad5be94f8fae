// Whether a person can take a call now (a transfer number, inside opening hours in the profile's time zone), and when one next can.
import type { Language } from '../config.ts';
import { DAYS, type Profile } from '../profile.ts';

type Day = (typeof DAYS)[number];

export type Availability =
  | { available: true; number: string }
  | { available: false; why: 'no_transfer_number' | 'closed'; next: { day: Day; time: string } | null };

function localNow(timeZone: string, now: Date): { day: Day; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('weekday').toLowerCase() as Day, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

function openRange(hours: string | undefined): { open: number; close: number; opens: string } | null {
  const match = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(hours ?? '');
  if (!match) return null;
  const [, oh, om, ch, cm] = match.map(Number) as [number, number, number, number, number];
  return { open: oh * 60 + om, close: ch * 60 + cm, opens: hours!.slice(0, 5) };
}

export function handoverAvailability(profile: Profile, now: Date): Availability {
  const number = profile.transfer_number;
  if (!number) return { available: false, why: 'no_transfer_number', next: null };
  // A profile without opening hours puts callers through at any time.
  if (!DAYS.some((day) => profile.hours[day])) return { available: true, number };
  const { day, minutes } = localNow(profile.timezone, now);
  const today = openRange(profile.hours[day]);
  if (today && minutes >= today.open && minutes < today.close) return { available: true, number };
  const start = DAYS.indexOf(day);
  for (let offset = 0; offset <= DAYS.length; offset += 1) {
    const candidate = DAYS[(start + offset) % DAYS.length]!;
    const range = openRange(profile.hours[candidate]);
    if (range && (offset > 0 || minutes < range.open)) return { available: false, why: 'closed', next: { day: candidate, time: range.opens } };
  }
  return { available: false, why: 'closed', next: null };
}

// 1 January 2024 was a Monday: its week names the days in any locale.
const MONDAY_MS = Date.UTC(2024, 0, 1, 12);
const LOCALES: Record<Language, string> = { en: 'en-US', ru: 'ru-RU', uk: 'uk-UA', sk: 'sk-SK' };

/** "Tuesday 08:00" in the caller's language, for a phrase said without the LLM. */
export function describeNextOpening(next: { day: Day; time: string }, language: Language): string {
  const date = new Date(MONDAY_MS + DAYS.indexOf(next.day) * 86_400_000);
  const weekday = new Intl.DateTimeFormat(LOCALES[language], { weekday: 'long', timeZone: 'UTC' }).format(date);
  return `${weekday} ${next.time}`;
}
