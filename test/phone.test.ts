// Phone number properties: E.164 output, idempotence, formatting-insensitivity, and masking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isE164, maskPhone, maskUnremembered, normalizePhone, parseToE164 } from '../src/phone.ts';

const E164 = /^\+[1-9]\d{6,14}$/;

// North American numbers: area code and exchange start with 2-9.
const nanp = fc.record({
  area: fc.stringMatching(/^[2-9]\d\d$/),
  exchange: fc.stringMatching(/^[2-9]\d\d$/),
  line: fc.stringMatching(/^\d{4}$/),
});

// Candidate numbers in several countries; only those libphonenumber accepts are used.
const validNumber = fc
  .tuple(fc.constantFrom('1', '7', '33', '44', '49', '380', '421', '420', '86', '91'), fc.stringMatching(/^[1-9]\d{5,11}$/))
  .map(([country, rest]) => normalizePhone(`+${country}${rest}`))
  .filter((value): value is string => value !== null);

// Phone-like junk as well as arbitrary text.
const anyInput = fc.oneof(fc.string(), fc.stringMatching(/^\+?[\d ()\-.]{0,24}$/), fc.stringMatching(/^(00|\+)\d{1,18}$/));

describe('normalizePhone', () => {
  it('returns E.164 or null for any input', () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const normalized = normalizePhone(raw);
        return normalized === null || E164.test(normalized);
      }),
    );
  });

  it('returns null for numbers too short for E.164 (found by the property above)', () => {
    for (const short of ['+490000', '+980000']) assert.equal(normalizePhone(short), null, short);
  });

  it('returns null for a number whose E.164 form would read back as another (found by the property below)', () => {
    // +43 000000 loses a national prefix 0 to `+4300000`, which loses another and is no possible number.
    assert.equal(normalizePhone('+43000000'), null);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const normalized = normalizePhone(raw);
        return normalized === null || normalizePhone(normalized) === normalized;
      }),
    );
  });

  it('gives every formatting of a US number the same E.164', () => {
    fc.assert(
      fc.property(nanp, ({ area, exchange, line }) => {
        const expected = `+1${area}${exchange}${line}`;
        const variants = [
          expected,
          `+1 ${area} ${exchange} ${line}`,
          `+1-${area}-${exchange}-${line}`,
          `+1 (${area}) ${exchange}-${line}`,
          `+1.${area}.${exchange}.${line}`,
          ` +1 ${area}${exchange}${line} `,
        ];
        for (const variant of variants) assert.equal(normalizePhone(variant), expected, variant);
        assert.equal(normalizePhone(`(${area}) ${exchange}-${line}`, 'US'), expected);
      }),
    );
  });

  it('ignores spaces and dashes between the digits of any valid number', () => {
    fc.assert(
      fc.property(validNumber, fc.array(fc.constantFrom('', '', ' ', '-')), (number, separators) => {
        const digits = number.slice(1);
        const formatted = `+${[...digits].map((digit, index) => (index === 0 ? digit : (separators[index % Math.max(separators.length, 1)] ?? '') + digit)).join('')}`;
        assert.equal(normalizePhone(formatted), number, formatted);
      }),
    );
  });

  it('agrees with isE164 on its own output', () => {
    fc.assert(fc.property(validNumber, (number) => isE164(number)));
  });
});

describe('maskPhone', () => {
  it('masks the example from the design', () => {
    assert.equal(maskPhone('+14155551234'), '+1*****1234');
  });

  it('shows only the country code and the last four digits', () => {
    fc.assert(
      fc.property(validNumber, (number) => {
        const masked = maskPhone(number);
        const lastFour = number.slice(-4);
        assert.ok(masked.endsWith(`*****${lastFour}`), masked);
        const country = masked.slice(0, masked.indexOf('*'));
        assert.ok(number.startsWith(country), `${masked} starts with a country code of ${number}`);
        // Every digit shown is the country code or the last four: none of the subscriber's others.
        assert.equal(masked.replace(/\D/g, ''), country.replace(/\D/g, '') + lastFour);
      }),
    );
  });

  it('hides the length of the number', () => {
    fc.assert(fc.property(nanp, ({ area, exchange, line }) => maskPhone(`+1${area}${exchange}${line}`) === `+1*****${line}`));
  });
});

describe('remembered answers', () => {
  // E.164-shaped numbers, valid or not, repeated so that many answers come from memory.
  const e164Shaped = fc.stringMatching(/^\+[1-9]\d{6,14}$/);
  const inputs = fc.array(fc.oneof(e164Shaped, validNumber, anyInput), { minLength: 1, maxLength: 30 }).chain((pool) => fc.array(fc.constantFrom(...pool), { maxLength: 60 }));

  it('normalizePhone, isE164 and maskPhone answer exactly as libphonenumber does, the first time and every time after', () => {
    fc.assert(
      fc.property(inputs, (sequence) => {
        for (const input of sequence) {
          assert.equal(normalizePhone(input), parseToE164(input, undefined), input);
          assert.equal(isE164(input), /^\+[1-9]\d{6,14}$/.test(input) && parseToE164(input, undefined) === input, input);
          assert.equal(maskPhone(input), maskUnremembered(input), input);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers the same once more numbers have been seen than it remembers', () => {
    const first = '+14155550123';
    assert.equal(normalizePhone(first), first);
    for (let i = 0; i < 10_050; i += 1) normalizePhone(`+1415${String(2_000_000 + i).padStart(7, '0')}`);
    assert.equal(normalizePhone(first), first);
    assert.equal(normalizePhone('+490000'), null);
    assert.equal(normalizePhone('+490000'), null);
  });
});
