// cleanText, wellFormedText and clipText properties: well-formed, no control characters, cut between characters — for any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cleanText, cleanTextSchema, clipText, wellFormedDeep, wellFormedText, type LengthUnit } from '../src/clean-text.ts';

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
      // What XML and jsonb refuse: lone surrogates (either half, at either end of a pair) and noncharacters.
      fc.constantFrom('\uD800', '\uDFFF', '\uD83D', '\uDE00', '\uFFFE', '\uFFFF', '\uFDD0', '\uFDEF', '\u{1FFFE}', '\u{10FFFF}', '😀', '👍🏽', '🇸🇰'),
    ),
  )
  .map((parts) => parts.join(''));

// Noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF) and what XML 1.0 forbids besides surrogates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u{FDD0}-\u{FDEF}]|[\u{FFFE}\u{FFFF}\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{10FFFE}\u{10FFFF}]/u;
const isNoncharacter = (codePoint: number) => (codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe;

/** Safe for XML 1.0 and jsonb: well-formed, no noncharacter, no forbidden control character. */
function isSafe(text: string): boolean {
  return text.isWellFormed() && !UNSAFE.test(text) && ![...text].some((character) => isNoncharacter(character.codePointAt(0)!));
}

describe('wellFormedText', () => {
  it('leaves nothing XML 1.0 or jsonb refuses', () => {
    fc.assert(fc.property(hostileText, (text) => isSafe(wellFormedText(text))));
  });

  it('is idempotent and keeps safe text as it is', () => {
    fc.assert(fc.property(hostileText, (text) => wellFormedText(wellFormedText(text)) === wellFormedText(text)));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }).filter(isSafe), (text) => wellFormedText(text) === text));
  });

  it('replaces lone surrogates and noncharacters with U+FFFD, drops forbidden controls, keeps pairs', () => {
    assert.equal(wellFormedText('a\uD800b\uDE00c'), 'a\uFFFDb\uFFFDc');
    assert.equal(wellFormedText('😀\uD83D'), '😀\uFFFD');
    assert.equal(wellFormedText('x\uFFFE\uFFFF\uFDD0\u{10FFFF}y'), 'x\uFFFD\uFFFD\uFFFD\uFFFDy');
    assert.equal(wellFormedText('a\u0000b\u0001\tc\r\n'), 'ab\tc\r\n');
  });

  it('reaches every string of a JSON-like value, keys included', () => {
    const when = new Date(0);
    assert.deepEqual(wellFormedDeep({ role: 'assistant', content: [{ type: 'text', text: 'hi\uD800' }], n: 1, ok: true, none: null, when, ['k\uFFFF']: 'v' }), {
      role: 'assistant',
      content: [{ type: 'text', text: 'hi\uFFFD' }],
      n: 1,
      ok: true,
      none: null,
      when,
      ['k\uFFFD']: 'v',
    });
  });
});

describe('cleanText', () => {
  it('leaves no control or bidi-override characters', () => {
    fc.assert(fc.property(hostileText, (text) => !FORBIDDEN.test(cleanText(text))));
  });

  it('leaves well-formed Unicode that XML and jsonb accept', () => {
    fc.assert(fc.property(hostileText, (text) => isSafe(cleanText(text))));
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

const unitLength = (text: string, unit: LengthUnit) => (unit === 'utf16' ? text.length : [...text].length);

describe('clipText', () => {
  const unit = fc.constantFrom<LengthUnit>('code-points', 'utf16');

  it('fits the limit, is a prefix, and never splits a character', () => {
    fc.assert(
      fc.property(hostileText.map(wellFormedText), fc.integer({ min: 1, max: 60 }), unit, (text, max, counted) => {
        const clipped = clipText(text, max, counted);
        assert.ok(unitLength(clipped, counted) <= max, `${unitLength(clipped, counted)} > ${max}`);
        assert.ok(text.startsWith(clipped));
        assert.ok(clipped.isWellFormed());
      }),
    );
  });

  it('keeps text that fits whole', () => {
    fc.assert(fc.property(hostileText, unit, (text, counted) => clipText(text, unitLength(text, counted), counted) === text));
  });

  it('cuts an emoji at every position around the limit whole or not at all', () => {
    for (const counted of ['code-points', 'utf16'] as const) {
      for (let at = 1590; at <= 1600; at += 1) {
        const text = `${'a'.repeat(at)}😀👍🏽${'b'.repeat(20)}`;
        const clipped = clipText(text, 1600, counted);
        assert.ok(clipped.isWellFormed(), `${counted} at ${at}`);
        assert.ok(unitLength(clipped, counted) <= 1600);
        assert.ok(!clipped.endsWith('\u{1F44D}'), 'the thumb keeps its skin tone');
      }
    }
  });

  it('ends at a word when one ends near the cut, mid-word only when none does', () => {
    const text = `${'a'.repeat(60)} brown fox`;
    assert.equal(clipText(text, 64), 'a'.repeat(60), 'back to the space before "bro"');
    assert.equal(clipText(text, 66), `${'a'.repeat(60)} brown`, 'a cut just before a space keeps the word');
    assert.equal(clipText(`${'word '.repeat(400)}`, 1600, 'utf16'), `word ${'word '.repeat(318)}word`);
    assert.equal(clipText(`x ${'a'.repeat(100)}`, 50), `x ${'a'.repeat(48)}`);
  });

  it('counts code points by default, so an emoji is one character', () => {
    assert.equal(clipText('😀'.repeat(10), 4), '😀'.repeat(4));
    assert.equal(clipText('😀'.repeat(10), 4, 'utf16'), '😀'.repeat(2));
  });
});
