// Twilio webhook schemas: what each rule accepts, normalises and rejects, and that extra parameters pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { callStatusSchema, gatherSchema, incomingCallSchema, smsSchema } from '../../src/twilio/payloads.ts';
import { accountSid, callSid, messageSid } from '../helpers/twilio-client.ts';

function call(extra: Record<string, string> = {}): Record<string, string> {
  return { CallSid: callSid(), AccountSid: accountSid(), From: '+14155551234', To: '+14155550000', ...extra };
}

function sms(extra: Record<string, string> = {}): Record<string, string> {
  return { MessageSid: messageSid(), AccountSid: accountSid(), From: '+14155551234', To: '+14155550000', Body: 'Hello', ...extra };
}

/** The messages of the issues for `field`, or a failure when parsing succeeded. */
function issuesFor(schema: z.ZodType, input: unknown, field: string): string[] {
  const result = schema.safeParse(input);
  assert.equal(result.success, false, `expected ${field} to be rejected`);
  return result.error.issues.filter((issue) => issue.path[0] === field).map((issue) => issue.message);
}

describe('SIDs', () => {
  it('accepts the Twilio formats, either case of hex', () => {
    assert.ok(incomingCallSchema.safeParse(call({ CallSid: `CA${'A1'.repeat(16)}` })).success);
    assert.ok(smsSchema.safeParse(sms({ MessageSid: `MM${'0f'.repeat(16)}` })).success);
    assert.ok(smsSchema.safeParse(sms({ MessageSid: `SM${'0f'.repeat(16)}` })).success);
  });

  it('rejects the wrong prefix, length or characters with the rule', () => {
    const rule = 'must be a Twilio call SID (CA followed by 32 hex digits)';
    assert.deepEqual(issuesFor(incomingCallSchema, call({ CallSid: `SM${'a'.repeat(32)}` }), 'CallSid'), [rule]);
    assert.deepEqual(issuesFor(incomingCallSchema, call({ CallSid: `CA${'a'.repeat(31)}` }), 'CallSid'), [rule]);
    assert.deepEqual(issuesFor(incomingCallSchema, call({ CallSid: `CA${'g'.repeat(32)}` }), 'CallSid'), [rule]);
    assert.deepEqual(issuesFor(incomingCallSchema, call({ AccountSid: `CA${'a'.repeat(32)}` }), 'AccountSid'), [
      'must be a Twilio account SID (AC followed by 32 hex digits)',
    ]);
    assert.deepEqual(issuesFor(smsSchema, sms({ MessageSid: `XX${'a'.repeat(32)}` }), 'MessageSid'), [
      'must be a Twilio message SID (SM or MM followed by 32 hex digits)',
    ]);
  });

  it('caps a SID at 64 characters with one short reason', () => {
    assert.deepEqual(issuesFor(incomingCallSchema, call({ CallSid: `CA${'a'.repeat(1000)}` }), 'CallSid'), ['must be at most 64 characters']);
  });

  it('requires them', () => {
    const { CallSid: _omitted, ...rest } = call();
    assert.equal(issuesFor(incomingCallSchema, rest, 'CallSid').length, 1);
  });
});

describe('From and To', () => {
  it('normalise formatted numbers to E.164', () => {
    const parsed = incomingCallSchema.parse(call({ From: ' +1 (415) 555-1234 ', To: '+44 20 7946 0958' }));
    assert.equal(parsed.From, '+14155551234');
    assert.equal(parsed.To, '+442079460958');
  });

  it('keep softphone identities as they are', () => {
    const parsed = incomingCallSchema.parse(call({ From: 'client:reception-desk', To: 'sip:front@pa.sip.twilio.com' }));
    assert.equal(parsed.From, 'client:reception-desk');
    assert.equal(parsed.To, 'sip:front@pa.sip.twilio.com');
  });

  it('turn withheld-caller markers into null', () => {
    for (const marker of ['anonymous', 'Anonymous', 'RESTRICTED', 'unknown', 'Private', '+266696687', '']) {
      assert.equal(incomingCallSchema.parse(call({ From: marker })).From, null, marker);
    }
  });

  it('reject anything else', () => {
    for (const bad of ['hello', '123', '+1', '+490000', '+99912345678901234', 'client:', 'mailto:x@y.z', `+1${'4'.repeat(300)}`]) {
      assert.deepEqual(issuesFor(incomingCallSchema, call({ From: bad }), 'From'), ['must be a phone number in E.164 format'], bad);
    }
  });
});

describe('SpeechResult, Confidence and Digits', () => {
  it('cleans speech and drops it when nothing is left', () => {
    assert.equal(gatherSchema.parse(call({ SpeechResult: '  I need\u0000 an appointment\u202E ' })).SpeechResult, 'I need an appointment');
    assert.equal(gatherSchema.parse(call({ SpeechResult: ' \u0007 ' })).SpeechResult, undefined);
    assert.equal(gatherSchema.parse(call({ SpeechResult: '' })).SpeechResult, undefined);
    assert.equal(gatherSchema.parse(call()).SpeechResult, undefined);
  });

  it('truncates long speech to 4000 characters instead of rejecting it', () => {
    const speech = gatherSchema.parse(call({ SpeechResult: 'word '.repeat(2000) })).SpeechResult;
    assert.ok(speech !== undefined && speech.length <= 4000 && speech.length > 3990);
    assert.equal(speech, speech.trim());
  });

  it('counts characters, not UTF-16 units, and never cuts one in half', () => {
    assert.equal(gatherSchema.parse(call({ SpeechResult: `${'a'.repeat(3999)}😀tail` })).SpeechResult, `${'a'.repeat(3999)}😀`);
    assert.equal(gatherSchema.parse(call({ SpeechResult: '😀'.repeat(4100) })).SpeechResult, '😀'.repeat(4000));
  });

  it('replaces what XML and jsonb refuse: lone surrogates, U+FFFE, U+FFFF', () => {
    assert.equal(gatherSchema.parse(call({ SpeechResult: 'book \uD800 at \uFFFE\uFFFF noon\uDE00' })).SpeechResult, 'book \uFFFD at \uFFFD\uFFFD noon\uFFFD');
  });

  it('cuts long speech at the end of a word', () => {
    const speech = gatherSchema.parse(call({ SpeechResult: `${'a'.repeat(3990)} abcdefghijklmnop` })).SpeechResult;
    assert.equal(speech, 'a'.repeat(3990));
  });

  it('reads Confidence as a number from 0 to 1', () => {
    assert.equal(gatherSchema.parse(call({ Confidence: '0.87' })).Confidence, 0.87);
    assert.equal(gatherSchema.parse(call({ Confidence: '1' })).Confidence, 1);
    assert.equal(gatherSchema.parse(call({ Confidence: '' })).Confidence, undefined);
    for (const bad of ['1.5', '-0.1', 'high', 'NaN']) {
      assert.deepEqual(issuesFor(gatherSchema, call({ Confidence: bad }), 'Confidence'), ['must be a number from 0 to 1'], bad);
    }
  });

  it('accepts the keys a caller can press', () => {
    assert.equal(gatherSchema.parse(call({ Digits: '0123456789*#' })).Digits, '0123456789*#');
    assert.equal(gatherSchema.parse(call({ Digits: '' })).Digits, undefined);
    for (const bad of ['12a', '1 2', '9'.repeat(33)]) {
      assert.equal(issuesFor(gatherSchema, call({ Digits: bad }), 'Digits').length, 1, bad);
    }
  });
});

describe('call status', () => {
  it('accepts each Twilio status and a whole duration', () => {
    for (const status of ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']) {
      assert.equal(callStatusSchema.parse(call({ CallStatus: status })).CallStatus, status);
    }
    assert.equal(callStatusSchema.parse(call({ CallStatus: 'completed', CallDuration: '42' })).CallDuration, 42);
    assert.equal(callStatusSchema.parse(call({ CallStatus: 'completed', CallDuration: '0' })).CallDuration, 0);
  });

  it('rejects an unknown status, a missing one, and a duration that is not whole seconds', () => {
    assert.match(issuesFor(callStatusSchema, call({ CallStatus: 'cancelled' }), 'CallStatus')[0] ?? '', /^must be one of queued, ringing/);
    assert.equal(issuesFor(callStatusSchema, call(), 'CallStatus').length, 1);
    for (const bad of ['-1', '1.5', 'ten', '1e3']) {
      assert.deepEqual(issuesFor(callStatusSchema, call({ CallStatus: 'completed', CallDuration: bad }), 'CallDuration'), ['must be a whole number of seconds'], bad);
    }
  });

  it('leaves From and To optional', () => {
    const { From: _from, To: _to, ...rest } = call({ CallStatus: 'completed' });
    assert.ok(callStatusSchema.safeParse(rest).success);
  });
});

describe('SMS', () => {
  it('cleans the body and truncates it to 1600 characters', () => {
    assert.equal(smsSchema.parse(sms({ Body: ' hi\u0000 there ' })).Body, 'hi there');
    assert.equal(smsSchema.parse(sms({ Body: 'x'.repeat(5000) })).Body.length, 1600);
  });

  it('makes the body well-formed Unicode', () => {
    assert.equal(smsSchema.parse(sms({ Body: 'hi \uD83D there \uFFFF' })).Body, 'hi \uFFFD there \uFFFD');
    assert.equal(smsSchema.parse(sms({ Body: `${'😀'.repeat(1599)}😀😀` })).Body, '😀'.repeat(1600));
  });

  it('defaults a missing body (an MMS with only media) to empty', () => {
    const { Body: _body, ...rest } = sms();
    assert.equal(smsSchema.parse(rest).Body, '');
    assert.equal(smsSchema.parse(sms({ Body: '' })).Body, '');
  });

  it('normalises numbers like calls do', () => {
    const parsed = smsSchema.parse(sms({ From: '+1 415-555-1234', To: 'anonymous' }));
    assert.equal(parsed.From, '+14155551234');
    assert.equal(parsed.To, null);
  });
});

describe('unknown parameters', () => {
  it('are kept on every schema', () => {
    const extra = { ApiVersion: '2010-04-01', CallerCountry: 'US', StirVerstat: 'TN-Validation-Passed-A' };
    assert.equal(incomingCallSchema.parse(call(extra)).CallerCountry, 'US');
    assert.equal(gatherSchema.parse(call(extra)).StirVerstat, 'TN-Validation-Passed-A');
    assert.equal(callStatusSchema.parse(call({ ...extra, CallStatus: 'completed' })).ApiVersion, '2010-04-01');
    assert.equal(smsSchema.parse(sms({ NumMedia: '1', MediaUrl0: 'https://api.twilio.com/x' })).NumMedia, '1');
  });

  it('the optional call fields take Twilio values', () => {
    const parsed = incomingCallSchema.parse(call({ CallStatus: 'ringing', Direction: 'inbound' }));
    assert.equal(parsed.CallStatus, 'ringing');
    assert.equal(parsed.Direction, 'inbound');
  });
});
