// Phone numbers: E.164 normalisation (libphonenumber) and masking for logs.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const E164 = /^\+[1-9]\d{6,14}$/;

/** A number in E.164 form that libphonenumber considers possible: `+14155551234`. */
export function isE164(value: string): boolean {
  return E164.test(value) && normalizePhone(value) === value;
}

/** Normalises a phone number to E.164, or returns null when it is not a possible number. */
export function normalizePhone(raw: string, defaultCountry?: 'US'): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  // isPossible() accepts some numbers too short for E.164 (`+490000`): the pattern has the last word.
  if (!parsed || !parsed.isPossible() || !E164.test(parsed.number)) return null;
  return parsed.number;
}

/** `+14155551234` → `+1*****1234`: country code and last four digits only. */
export function maskPhone(value: string): string {
  const parsed = parsePhoneNumberFromString(value);
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  // A fixed run of stars hides the number's length as well as its digits.
  const country = parsed?.countryCallingCode;
  return `${country ? `+${country}` : ''}*****${digits.slice(-4)}`;
}
