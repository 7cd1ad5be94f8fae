// Phone numbers: E.164 normalisation (libphonenumber) and masking for logs, remembered for the numbers seen again.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Parsing a number with libphonenumber costs tens of microseconds, and a call's numbers come back
 * on every turn (the business's own number on every call): each answer is remembered, the oldest
 * forgotten first past this many. Only inputs as short as a phone number are kept, so junk cannot
 * fill the memory.
 */
const REMEMBERED = 10_000;
const LONGEST_REMEMBERED = 40;

function remembering<T>(compute: (input: string) => T): (input: string) => T {
  const answers = new Map<string, T>();
  return (input) => {
    const known = answers.get(input);
    if (known !== undefined || answers.has(input)) return known as T;
    const answer = compute(input);
    if (input.length <= LONGEST_REMEMBERED) {
      if (answers.size >= REMEMBERED) answers.delete(answers.keys().next().value!);
      answers.set(input, answer);
    }
    return answer;
  };
}

/** A number in E.164 form that libphonenumber considers possible: `+14155551234`. */
export function isE164(value: string): boolean {
  return E164.test(value) && normalizePhone(value) === value;
}

/** Normalises a phone number to E.164, or returns null when it is not a possible number. */
export function normalizePhone(raw: string, defaultCountry?: 'US'): string | null {
  return defaultCountry ? parseToE164(raw, defaultCountry) : normalizeInternational(raw);
}

const normalizeInternational = remembering((raw) => parseToE164(raw, undefined));

/** libphonenumber's answer, never remembered: what `normalizePhone` must always agree with. */
export function parseToE164(raw: string, defaultCountry: 'US' | undefined): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  // isPossible() accepts some numbers too short for E.164 (`+490000`): the pattern has the last word.
  if (!parsed || !parsed.isPossible() || !E164.test(parsed.number)) return null;
  // A national prefix can be taken off twice: `+43000000` reads as +43 00000, written `+4300000`,
  // which reads as +43 0000 and is no possible number. A number is only kept in a form that reads back as itself.
  // An input already in that form has just been read as itself (Twilio's numbers are): no second reading.
  if (parsed.number === raw.trim()) return parsed.number;
  const again = parsePhoneNumberFromString(parsed.number);
  return again?.number === parsed.number && again.isPossible() ? parsed.number : null;
}

/** `+14155551234` → `+1*****1234`: country code and last four digits only. */
export const maskPhone = remembering(maskUnremembered);

/** maskPhone's answer, never remembered. */
export function maskUnremembered(value: string): string {
  const parsed = parsePhoneNumberFromString(value);
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  // A fixed run of stars hides the number's length as well as its digits.
  const country = parsed?.countryCallingCode;
  return `${country ? `+${country}` : ''}*****${digits.slice(-4)}`;
}
