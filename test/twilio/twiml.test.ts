// The voice turn's TwiML template against the official twilio builder: the same bytes for any text and any action URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import twilio from 'twilio';
import { wellFormedText } from '../../src/clean-text.ts';
import { LANGUAGES, type Language } from '../../src/config.ts';
import { gatherTwiml, VOICES } from '../../src/twilio/twiml.ts';

/** What gatherTwiml rendered with the builder before it became a template. */
function builderGather(language: Language, text: string, action: string): string {
  const response = new twilio.twiml.VoiceResponse();
  const gather = response.gather({ input: ['speech', 'dtmf'], action, method: 'POST', language: VOICES[language].locale, speechTimeout: 'auto', actionOnEmptyResult: true });
  // The voices table is typed as plain strings; the builder's type lists every voice name.
  gather.say({ language: VOICES[language].locale, voice: VOICES[language].voice as never }, wellFormedText(text));
  return response.toString();
}

// Markup, quotes, whitespace of every kind, lone surrogates, noncharacters and control characters.
const tricky = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", '\t', '\n', '\r', ' ', 'a', 'é', '😀', '\uD800', '\uFFFE', '\u0000', '\u0007', ']]>', '&amp;') }),
);

describe('gatherTwiml', () => {
  it('renders exactly what the twilio builder renders, for any text and action', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LANGUAGES), tricky, tricky.map(wellFormedText), (language, text, action) => {
        assert.equal(gatherTwiml(language, text, action), builderGather(language, text, action));
      }),
      { numRuns: 2000 },
    );
  });

  it('renders a real turn as the builder does', () => {
    const action = '/twilio/voice?turn=3&lang=sk';
    const text = 'Bieleni zubov stoji 120 € — "Premium" <b>& viac</b>';
    assert.equal(gatherTwiml('sk', text, action), builderGather('sk', text, action));
    assert.equal(gatherTwiml('en', '', action), builderGather('en', '', action));
  });
});
