// Telling en, ru, uk and sk apart in the short texts people send, and admitting when it cannot be told.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Language } from '../src/config.ts';
import { detectLanguage } from '../src/detect-language.ts';

const SAMPLES: [Language, string][] = [
  ['en', 'Are you open today?'],
  ['en', 'When do you close'],
  ['en', 'Can I book a cleaning for Thursday afternoon?'],
  ['en', 'thanks'],
  ['en', 'Hi, I need to cancel my appointment'],
  ['en', 'Please call me back'],
  ['sk', 'Dobrý deň, máte zajtra otvorené?'],
  ['sk', 'Dobry den, mate zajtra otvorene?'],
  ['sk', 'Koľko stojí čistenie zubov?'],
  ['sk', 'Kolko stoji cistenie zubov'],
  ['sk', 'Ďakujem'],
  ['sk', 'Chcel by som sa objednať na štvrtok'],
  ['sk', 'Potrebujem termin na stvrtok'],
  ['sk', 'Môžete mi zavolať?'],
  ['ru', 'Сколько стоит чистка зубов'],
  ['ru', 'Когда вы работаете?'],
  ['ru', 'Здравствуйте, можно записаться на завтра?'],
  ['ru', 'Привет'],
  ['ru', 'Спасибо!'],
  ['ru', 'Перезвоните мне, пожалуйста'],
  ['uk', 'Скільки коштує чистка зубів'],
  ['uk', 'Коли ви працюєте?'],
  ['uk', 'Добрий день, можна записатися на завтра?'],
  ['uk', 'Привіт'],
  ['uk', 'Дякую!'],
  ['uk', 'Передзвоніть мені, будь ласка'],
];

describe('detectLanguage', () => {
  for (const [expected, text] of SAMPLES) {
    it(`reads "${text}" as ${expected}`, () => {
      assert.equal(detectLanguage(text), expected);
    });
  }

  it('cannot tell text without letters, or words every language shares', () => {
    for (const text of ['', '   ', '123', '👍', '?!', 'OK', 'Ok 👍', 'Hmm', 'Ана']) assert.equal(detectLanguage(text), null, text);
  });

  it('ignores case and the composition of accented letters', () => {
    assert.equal(detectLanguage('DAKUJEM, DOBRY DEN'), 'sk');
    assert.equal(detectLanguage('Ďakujem'.normalize('NFD')), 'sk');
  });
});
