// Arbitraries of text that breaks careless code: lone surrogates, noncharacters, controls, emoji at cut points, huge runs.
import fc from 'fast-check';

/** Replays a failing run: FUZZ_SEED=<seed printed by fast-check> node --test test/fuzz/... */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** fast-check parameters for fuzz runs over HTTP: few runs (the machine is shared), seedable. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return { numRuns, seed: FUZZ_SEED, endOnFailure: true };
}

/** Single characters and pieces that XML, JSON, jsonb or a naive cut get wrong. */
export const NASTY_PIECES = [
  '\uD800',
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
  '\uD83D',
  '\uDE00',
  '\uFFFE',
  '\uFFFF',
  '\uFDD0',
  '\u{1FFFE}',
  '\u{10FFFF}',
  '\u0000',
  '\u0001',
  '\u000B',
  '\u001B[31m',
  '\u007F',
  '\u0085',
  '\u202E',
  '\u2028',
  '\r\n',
  '😀',
  '👍🏽',
  '👨‍👩‍👧‍👦',
  '🇸🇰',
  'é',
  ']]>',
  '<Say>',
  '&amp;',
  '"\'\\',
  ' ',
] as const;

// Any UTF-16 code unit, so lone surrogates come up on their own ('binary' never makes half a pair).
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const pieces = fc.array(
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: codeUnit, maxLength: 20 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom(...NASTY_PIECES),
  ),
  { maxLength: 12 },
);

/** Hostile text of at most a few hundred characters: for keys and query strings. */
export const shortHostileText: fc.Arbitrary<string> = pieces.map((parts) => parts.join(''));

/** An emoji (or lone surrogate) placed at every position around Twilio's 1,600-unit SMS limit. */
export const aroundSmsLimit = fc
  .tuple(fc.integer({ min: 1590, max: 1605 }), fc.constantFrom('😀', '👍🏽', '🇸🇰', '\uD83D', '\uFFFF', ' '), fc.constantFrom('', ' tail', '😀😀😀', 'x'.repeat(50)))
  .map(([at, emoji, tail]) => `${'a'.repeat(at)}${emoji}${tail}`);

/** A long run of one piece: past every cap the schemas and renderers have. */
export const hugeText = fc
  .tuple(fc.constantFrom('word ', '😀', '\uD800', 'x', '\uFFFE '), fc.integer({ min: 2000, max: 20_000 }))
  .map(([piece, times]) => piece.repeat(times));

/** Any text: mostly short and hostile, sometimes at the SMS cut, sometimes huge. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: shortHostileText, weight: 6 },
  { arbitrary: aroundSmsLimit, weight: 2 },
  { arbitrary: hugeText, weight: 1 },
);
