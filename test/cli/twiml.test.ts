// TwiML as the server answers it, read back into the verbs the call simulator plays.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { parseTwiml } from '../../cli/twiml.ts';

describe('parseTwiml', () => {
  it('reads a greeting Gather with nested Says, decoding entities in text and attributes', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
      '<Gather action="/twilio/voice?turn=1&amp;lang=sk" input="speech" language="sk-SK" actionOnEmptyResult="true">' +
      '<Say language="sk-SK">Dobrý deň, Acme &amp; Sons.</Say><Pause length="1"/><Say>It&apos;s &lt;open&gt; &#8212; ask&#x21;</Say>' +
      '</Gather></Response>';
    assert.deepEqual(parseTwiml(xml), [
      {
        kind: 'gather',
        action: '/twilio/voice?turn=1&lang=sk',
        input: 'speech',
        language: 'sk-SK',
        actionOnEmptyResult: true,
        prompts: [{ kind: 'say', text: 'Dobrý deň, Acme & Sons.' }, { kind: 'pause' }, { kind: 'say', text: "It's <open> — ask!" }],
      },
    ]);
  });

  it('keeps the order of Say, Pause, Redirect and Hangup', () => {
    const xml = `<Response>
      <Say>One moment,
        please.</Say>
      <Pause length="2"/>
      <Redirect method="POST">/twilio/voice?turn=2&amp;retry=1</Redirect>
      <Hangup/>
    </Response>`;
    assert.deepEqual(parseTwiml(xml), [
      { kind: 'say', text: 'One moment, please.' },
      { kind: 'pause' },
      { kind: 'redirect', url: '/twilio/voice?turn=2&retry=1' },
      { kind: 'hangup' },
    ]);
  });

  it('reads what the official TwiML builder writes, including a Gather without action', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say('Fish & "chips" <today>');
    response.gather({ input: ['speech', 'dtmf'] }).say('Anything else?');
    response.dial('+14155550123');
    assert.deepEqual(parseTwiml(response.toString()), [
      { kind: 'say', text: 'Fish & "chips" <today>' },
      { kind: 'gather', action: undefined, input: 'speech dtmf', language: undefined, actionOnEmptyResult: false, prompts: [{ kind: 'say', text: 'Anything else?' }] },
      { kind: 'dial', number: '+14155550123', action: undefined, timeoutSeconds: undefined },
    ]);
  });

  it('reads SMS replies in both the short and the Body form', () => {
    const xml = '<Response><Message>See you at 9 &amp; bring ID</Message><Message><Body>Booked.</Body><Media>https://example.com/a.png</Media></Message></Response>';
    assert.deepEqual(parseTwiml(xml), [
      { kind: 'message', text: 'See you at 9 & bring ID' },
      { kind: 'message', text: 'Booked.' },
    ]);
  });

  it('reads an empty Response as no verbs, and names verbs it does not simulate', () => {
    assert.deepEqual(parseTwiml('<Response/>'), []);
    assert.deepEqual(parseTwiml('<Response><Play>https://example.com/hold.mp3</Play></Response>'), [{ kind: 'other', name: 'Play' }]);
  });

  it('refuses what is not TwiML', () => {
    assert.throws(() => parseTwiml('{"status":"ok"}'), /not well-formed XML/);
    assert.throws(() => parseTwiml('<Response><Say>unclosed</Response>'), /not well-formed XML/);
    assert.throws(() => parseTwiml('<html><body>Bad gateway</body></html>'), /no <Response> element/);
  });
});
