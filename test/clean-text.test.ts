// cleanText properties: no control characters, trimmed, idempotent — for any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cleanText, cleanTextSchema } from '../src/clean-text.ts';

// What cleanText promises to remove: C0/C1 controls other than tab and newline, and bidi overrides.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

// Text that is mostly ordinary but salted with the characters cleanText exists for.
const hostileText = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\u0000', '\u0007', '\u001B[31m', '\u007F', '\u0085', '\u202E', '\u2066', '\r\n', '\t', ' ', '\u00A0', '\u2028'),
    ),
  )
  .map((parts) => parts.join(''));

describe('cleanText', () => {
  it('leaves no control or bidi-override characters', () => {
    fc.assert(fc.property(hostileText, (text) => !FORBIDDEN.test(cleanText(text))));
  });

  it('returns trimmed text', () => {
    fc.assert(fc.property(hostileText, (text) => cleanText(text) === cleanText(text).trim()));
  });

  it('is idempotent', () => {
    fc.assert(fc.property(hostileText, (text) => cleanText(cleanText(text)) === cleanText(text)));
  });

  it('keeps ordinary text, tabs and inner newlines', () => {
    assert.equal(cleanText('  Dobrý deň,\n\tďakujem \u0000'), 'Dobrý deň,\n\tďakujem');
    assert.equal(cleanText('a\u202Eb\u0085c'), 'abc');
  });
});

describe('cleanTextSchema', () => {
  it('accepts exactly the texts that are non-empty and short enough once cleaned', () => {
    const schema = cleanTextSchema(20);
    fc.assert(
      fc.property(hostileText, (text) => {
        const cleaned = cleanText(text);
        // zod counts code points, so an emoji is one character.
        const characters = [...cleaned].length;
        const result = schema.safeParse(text);
        assert.equal(result.success, characters >= 1 && characters <= 20);
        if (result.success) assert.equal(result.data, cleaned);
      }),
    );
  });
});
