// TwiML rendering is total: any text, however broken, renders to well-formed XML saying it back, within Twilio's SMS limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { wellFormedText } from '../../src/clean-text.ts';
import { LANGUAGES } from '../../src/config.ts';
import { gatherTwiml, hangupTwiml, holdingTwiml, SMS_MAX_LENGTH, smsTwiml } from '../../src/twilio/twiml.ts';
import { aroundSmsLimit, fuzzParameters, hostileText } from './hostile-text.ts';

const parser = new XMLParser({ trimValues: false, parseTagValue: false, htmlEntities: true, ignoreAttributes: false });

// What XML 1.0 forbids: C0 controls but tab, newline and carriage return; surrogates and U+FFFE/U+FFFF are caught by isWellFormed and the class.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Valid XML a strict reader accepts, parsed. */
function parseValid(xml: string): Record<string, unknown> {
  assert.ok(xml.isWellFormed(), 'lone surrogate in TwiML');
  assert.ok(!XML_FORBIDDEN.test(xml), 'character XML 1.0 forbids in TwiML');
  assert.equal(XMLValidator.validate(xml), true);
  return parser.parse(xml) as Record<string, unknown>;
}

/** The text of an element that has attributes ({'#text': ...}) or none (a plain string); '' when empty. */
const textOf = (node: unknown): string => (typeof node === 'string' ? node : ((node as Record<string, unknown> | undefined)?.['#text'] as string | undefined) ?? '');

const language = fc.constantFrom(...LANGUAGES);

describe('TwiML rendering of any text', () => {
  it('smsTwiml: valid XML, at most 1,600 UTF-16 units, the text itself when it fits', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, aroundSmsLimit), (text) => {
        const message = textOf((parseValid(smsTwiml(text)).Response as Record<string, unknown>).Message);
        assert.ok(message.length <= SMS_MAX_LENGTH, `${message.length} units`);
        const safe = wellFormedText(text);
        if (safe.length <= SMS_MAX_LENGTH) assert.equal(message, safe);
        else assert.ok(message.endsWith('…') && safe.startsWith(message.slice(0, -1)), 'a cut reply is a prefix and says it was cut');
      }),
      fuzzParameters(300),
    );
  });

  it('gather, hang-up and holding TwiML say the text back, well-formed', () => {
    fc.assert(
      fc.property(language, hostileText, (lang, text) => {
        const safe = wellFormedText(text);
        const gather = parseValid(gatherTwiml(lang, text, '/twilio/voice?turn=2')).Response as Record<string, Record<string, unknown>>;
        assert.equal(textOf(gather.Gather?.Say), safe);
        const hangup = parseValid(hangupTwiml(lang, text)).Response as Record<string, unknown>;
        assert.equal(textOf(hangup.Say), safe);
        const holding = parseValid(holdingTwiml(lang, text, '/twilio/voice?turn=2&wait=1')).Response as Record<string, unknown>;
        assert.equal(textOf(holding.Say), safe);
      }),
      fuzzParameters(200),
    );
  });

  it('smsTwiml cuts an emoji at the limit whole, and at a word when one is near', () => {
    for (let at = SMS_MAX_LENGTH - 4; at <= SMS_MAX_LENGTH + 1; at += 1) {
      const message = textOf((parseValid(smsTwiml(`${'a'.repeat(at)}😀 and more`)).Response as Record<string, unknown>).Message);
      assert.ok(message.length <= SMS_MAX_LENGTH && message.isWellFormed(), `emoji at ${at}`);
    }
    const words = textOf((parseValid(smsTwiml('word '.repeat(500))).Response as Record<string, unknown>).Message);
    assert.match(words, /^(word )+word…$/);
  });
});
