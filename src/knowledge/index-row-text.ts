// PostgreSQL's text forms of a tsvector and a real[], read in process: much cheaper to send and parse than arrays of rows.

/** A tsvector's lexemes with how often each occurs with weight A (the heading) and otherwise (the text). */
export interface ParsedTsvector {
  lexemes: string[];
  headingCounts: number[];
  textCounts: number[];
}

const QUOTE = 0x27; // '
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const SPACE = 0x20;
const WEIGHT_A = 0x41;

/**
 * Parses tsvector output: `'lexeme':1A,4 'other':2` (quotes in a lexeme doubled, backslashes
 * escaped; a lexeme without positions, from a stripped tsvector, counts once in the text).
 */
export function parseTsvector(text: string): ParsedTsvector {
  const parsed: ParsedTsvector = { lexemes: [], headingCounts: [], textCounts: [] };
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === SPACE) {
      i += 1;
      continue;
    }
    if (text.charCodeAt(i) !== QUOTE) throw new Error(`unexpected tsvector text at ${i}`);
    i += 1;
    // Most lexemes have no escape: they are one slice of the text.
    let lexeme = '';
    let from = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) throw new Error('unterminated lexeme in tsvector text');
      if (c === BACKSLASH) {
        lexeme += text.slice(from, i);
        from = i + 1;
        i += 2;
      } else if (c === QUOTE && text.charCodeAt(i + 1) === QUOTE) {
        lexeme += text.slice(from, i + 1);
        i += 2;
        from = i;
      } else if (c === QUOTE) {
        lexeme = lexeme === '' ? text.slice(from, i) : lexeme + text.slice(from, i);
        i += 1;
        break;
      } else i += 1;
    }
    let heading = 0;
    let body = 0;
    if (text.charCodeAt(i) === COLON) {
      i += 1;
      for (;;) {
        while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i += 1;
        const c = text.charCodeAt(i);
        if (c === WEIGHT_A) heading += 1;
        else body += 1;
        if (c >= WEIGHT_A && c <= WEIGHT_A + 3) i += 1;
        if (text.charCodeAt(i) !== COMMA) break;
        i += 1;
      }
    } else body = 1;
    parsed.lexemes.push(lexeme);
    parsed.headingCounts.push(heading);
    parsed.textCounts.push(body);
  }
  return parsed;
}

// Exact powers of ten: dividing by one rounds once, so a float4's shortest decimal form reads back as that float4.
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE = 0x7d;

/**
 * Parses real[] output, `{0.1,-2.5e-05,…}`, into single-precision numbers. Plain decimals are read
 * digit by digit (millions of them per load: Number() of each slice cost twice as much); anything
 * else (NaN, Infinity, NULL read as 0, a long mantissa) goes through Number().
 */
export function parseRealArray(text: string): Float32Array {
  if (text.length <= 2) return new Float32Array(0);
  let count = 1;
  for (let i = 1; i < text.length - 1; i += 1) if (text.charCodeAt(i) === COMMA) count += 1;
  const values = new Float32Array(count);
  let i = 1;
  for (let n = 0; n < count; n += 1) {
    const from = i;
    let negative = false;
    let c = text.charCodeAt(i);
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS;
      i += 1;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let seenDot = false;
    for (;; i += 1) {
      c = text.charCodeAt(i);
      if (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits += 1;
        if (seenDot) scale += 1;
      } else if (c === DOT && !seenDot) seenDot = true;
      else break;
    }
    let exponent = 0;
    if (c === 0x65 || c === 0x45) {
      i += 1;
      let sign = 1;
      c = text.charCodeAt(i);
      if (c === MINUS || c === PLUS) {
        sign = c === MINUS ? -1 : 1;
        i += 1;
      }
      for (c = text.charCodeAt(i); c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) exponent = exponent * 10 + (c - ZERO);
      exponent *= sign;
    }
    const power = exponent - scale;
    if ((c === COMMA || c === CLOSE) && digits > 0 && digits <= 15 && Math.abs(power) <= 22) {
      const magnitude = power < 0 ? mantissa / POWERS_OF_TEN[-power]! : mantissa * POWERS_OF_TEN[power]!;
      values[n] = negative ? -magnitude : magnitude;
    } else {
      while (i < text.length && text.charCodeAt(i) !== COMMA && text.charCodeAt(i) !== CLOSE) i += 1;
      const value = Number(text.slice(from, i));
      values[n] = Number.isNaN(value) && text.slice(from, i) === 'NULL' ? 0 : value;
    }
    i += 1; // the comma
  }
  return values;
}
