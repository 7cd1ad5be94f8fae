// Cleans text from callers and clients before any logic sees it.
import { z } from 'zod';

// C0 and C1 control characters except tab and newline, plus the Unicode bidi overrides that can
// disguise text in transcripts and logs.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function cleanText(value: string): string {
  return value.replace(CONTROL, '').trim();
}

/** A zod string that is cleaned, then must be 1..max characters long. */
export function cleanTextSchema(max: number) {
  return z
    .string()
    .transform(cleanText)
    .pipe(z.string().min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` }));
}
