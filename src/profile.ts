// The business profile (ASSISTANT_PROFILE): a YAML or JSON file, validated once at start.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { isE164 } from './phone.ts';

export const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const HOURS_RULE = 'must be "closed" or a range such as "08:00-17:00"';

const greeting = z.string().trim().min(1, { error: 'must not be empty' }).max(500, { error: 'must be at most 500 characters' });

export const profileSchema = z.object({
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(200),
  timezone: z
    .string()
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', { error: 'must be an IANA time zone such as Europe/Bratislava' })
    .default('UTC'),
  transfer_number: z.string().refine(isE164, { error: 'must be a phone number in E.164 format, such as +14155551234' }).optional(),
  greetings: z.object({ en: greeting, ru: greeting, uk: greeting, sk: greeting }),
  hours: z.partialRecord(
    z.enum(DAYS),
    z.string().regex(/^(closed|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, { error: HOURS_RULE }),
  ).default({}),
  instructions: z.string().trim().max(20_000, { error: 'must be at most 20000 characters' }).default(''),
  services: z
    .array(
      z.object({
        name: z.string().trim().min(1, { error: 'must not be empty' }).max(100),
        duration_minutes: z.int().min(5, { error: 'must be at least 5' }).max(24 * 60, { error: 'must be at most 1440' }),
        price: z.string().trim().max(100).optional(),
        description: z.string().trim().max(1000).optional(),
      }),
    )
    .refine((services) => new Set(services.map((s) => s.name.toLowerCase())).size === services.length, { error: 'must have unique names' })
    .default([]),
  booking: z
    .object({
      // The grid free slots start on, counted from each day's opening time.
      slot_minutes: z.int().min(5, { error: 'must be at least 5' }).max(24 * 60).default(30),
      min_notice_minutes: z.int().min(0).max(60 * 24 * 30).default(120),
      max_days_ahead: z.int().min(1, { error: 'must be at least 1' }).max(365, { error: 'must be at most 365' }).default(60),
      buffer_minutes: z.int().min(0).max(24 * 60).default(0),
      parallel: z.int().min(1, { error: 'must be at least 1' }).max(50, { error: 'must be at most 50' }).default(1),
    })
    .prefault({}),
});

export type Profile = Readonly<z.infer<typeof profileSchema>>;
export type Service = Profile['services'][number];
export type BookingRules = Profile['booking'];
export type Weekday = (typeof DAYS)[number];
export { DAYS as WEEKDAYS };

export class ProfileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Invalid assistant profile ${file} (ASSISTANT_PROFILE):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ProfileError';
  }
}

export async function loadProfile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProfileError(file, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ProfileError(file, [`is not valid YAML or JSON: ${(error as Error).message}`]);
  }
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ProfileError(file, parsed.error.issues.map((issue) => `${issue.path.join('.') || 'profile'} ${issue.message}`));
  }
  return Object.freeze(parsed.data);
}

/** Opening hours as lines a prompt can carry: "monday: 08:00-17:00". */
export function describeHours(profile: Profile): string {
  return DAYS.filter((day) => profile.hours[day]).map((day) => `${day}: ${profile.hours[day]}`).join('\n');
}
