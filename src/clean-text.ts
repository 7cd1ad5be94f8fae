// Makes text safe to keep and render: well-formed Unicode, no control characters, cut without breaking a character.
import { z } from 'zod';

// C0 and C1 control characters except tab and newline, plus the Unicode bidi overrides that can
// disguise text in transcripts and logs.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

// What XML 1.0 forbids in a document besides surrogates and U+FFFE/U+FFFF: the C0 controls other
// than tab, newline and carriage return. NUL is also what PostgreSQL cannot hold in text or jsonb.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

// Unicode's 66 noncharacters: U+FDD0..U+FDEF and the last two code points of each of the 17 planes.
const PLANE_ENDS = Array.from({ length: 17 }, (_, plane) => {
  const last = plane * 0x10000 + 0xffff;
  return `\\u{${(last - 1).toString(16)}}\\u{${last.toString(16)}}`;
}).join('');
const NONCHARACTER = new RegExp(`[\\u{FDD0}-\\u{FDEF}${PLANE_ENDS}]`, 'gu');

const REPLACEMENT = '\uFFFD';

/**
 * Well-formed Unicode that XML 1.0 and PostgreSQL's jsonb accept: lone surrogates and
 * noncharacters become U+FFFD (so a reader sees something was there), and the control
 * characters XML forbids are dropped. Text already safe is returned as it is.
 */
export function wellFormedText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.replace(NONCHARACTER, REPLACEMENT).replace(XML_FORBIDDEN, '');
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Every string in a JSON-like value passed through wellFormedText; other values kept. */
export function wellFormedDeep<T>(value: T): T {
  if (typeof value === 'string') return wellFormedText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => wellFormedDeep(item)) as T;
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormedText(key), wellFormedDeep(item)])) as T;
  }
  return value;
}

/** Caller or client text as logic may see it: well-formed, without control or bidi-override characters, trimmed. */
export function cleanText(value: string): string {
  return wellFormedText(value).replace(CONTROL, '').trim();
}

/** How a length limit counts: code points (zod's `max`, our own caps) or UTF-16 units (Twilio's SMS limit, where an emoji costs two). */
export type LengthUnit = 'code-points' | 'utf16';

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// A cut this close to the end moves back to the last space, rather than splitting a word.
const WORD_WINDOW = 40;

const measure = (text: string, unit: LengthUnit) => (unit === 'utf16' ? text.length : countCodePoints(text, Infinity));

/** Code points in `text`, counting no further than `stopAfter` (a huge body need not be walked to the end). */
function countCodePoints(text: string, stopAfter: number): number {
  let count = 0;
  for (const _character of text) if (++count > stopAfter) break;
  return count;
}

/** The end of the longest prefix that fits in `max`, cut between code points. */
function codePointEnd(text: string, max: number, unit: LengthUnit): number {
  let end = 0;
  let used = 0;
  for (const character of text) {
    used += unit === 'utf16' ? character.length : 1;
    if (used > max) break;
    end += character.length;
  }
  return end;
}

/** The end of the longest prefix that fits in `max`, cut between user-perceived characters (an emoji with its modifiers, a letter with its accents). */
function graphemeEnd(text: string, max: number, unit: LengthUnit): number {
  let end = 0;
  let used = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    used += measure(segment, unit);
    if (used > max) break;
    end += segment.length;
  }
  // One "character" longer than the limit (a letter under thousands of combining marks): cut inside it, still between code points.
  return end > 0 ? end : codePointEnd(text, max, unit);
}

/**
 * Cuts `text` to at most `max` (counted in `unit`), never inside a character, back to the last
 * space when one is near the cut, and trims what the cut exposed. Text that fits is kept whole.
 */
export function clipText(text: string, max: number, unit: LengthUnit = 'code-points'): string {
  // Fits for certain when even its UTF-16 length does (a code point is one or two units).
  if (text.length <= max || (unit === 'code-points' && countCodePoints(text, max) <= max)) return text;
  const end = graphemeEnd(text, max, unit);
  const head = text.slice(0, end);
  // A space just past the cut means the cut already falls at a word's end.
  if (/\s/.test(text[end] ?? '')) return head.trimEnd();
  const window = Math.min(WORD_WINDOW, Math.floor(max / 5));
  const lastSpace = head.search(/\s\S*$/);
  const wordEnd = lastSpace >= 0 && measure(head.slice(lastSpace), unit) <= window ? lastSpace : end;
  return head.slice(0, wordEnd).trimEnd();
}

/** A zod string that is cleaned, then must be 1..max characters long. */
export function cleanTextSchema(max: number) {
  return z
    .string()
    .transform(cleanText)
    .pipe(z.string().min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` }));
}
