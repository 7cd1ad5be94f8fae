// Booking confirmation texts: each language, and a Twilio refusal that fails nothing and leaks no number.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { confirmationText, createSmsBookingNotifier } from '../../src/booking/confirmation-sms.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createSmsSender, createTwilioRestClient } from '../../src/twilio/rest-client.ts';
import { startTwilioRestStandIn, type TwilioRestStandIn } from '../helpers/twilio-rest-stand-in.ts';

const START = '2026-03-30T09:30:00+02:00';
const PHONE = '+421905123456';

describe('booking confirmation SMS', () => {
  let twilioApi: TwilioRestStandIn;
  before(async () => {
    twilioApi = await startTwilioRestStandIn();
  });
  after(async () => twilioApi.close());

  it('reads in each language with the time in the business zone', () => {
    const text = (language: 'en' | 'ru' | 'uk' | 'sk') => confirmationText({ language, service: 'check-up', start: START }, 'Bright Smile', 'Europe/Bratislava');
    assert.match(text('en'), /^Bright Smile: your check-up is booked for Monday,? 30 March 2026 at 09:30\./);
    assert.match(text('ru'), /^Bright Smile: вы записаны на «check-up» — понедельник, 30 марта 2026.* 09:30\./);
    assert.match(text('uk'), /^Bright Smile: вас записано на «check-up» — понеділок, 30 березня 2026.* 09:30\./);
    assert.match(text('sk'), /^Bright Smile: váš termín \(check-up\) je rezervovaný na pondelok 30\. marca 2026.* 9:30\./);
    assert.match(confirmationText({ language: 'en', service: 'check-up', start: START }, 'Bright Smile', 'America/New_York'), /at 03:30\./);
  });

  it("answers failed when Twilio refuses, and logs Twilio's code but not the number its message quotes", async () => {
    const lines: string[] = [];
    const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) });
    const sms = createSmsSender(createTwilioRestClient({ accountSid: twilioApi.accountSid, authToken: twilioApi.authToken, apiBaseUrl: twilioApi.url }), '+14155550199');
    const notifier = createSmsBookingNotifier({ sms, businessName: 'Bright Smile', timeZone: 'Europe/Bratislava', log });
    twilioApi.failNext({ status: 400, code: 21610, message: `Attempt to send to unsubscribed recipient ${PHONE}` });
    const outcome = await notifier.appointmentBooked({ phone: PHONE, language: 'sk', service: 'check-up', start: START, appointmentId: 'a1' });
    assert.equal(outcome, 'failed');
    const logged = lines.join('\n');
    assert.match(logged, /21610/);
    assert.match(logged, /\+421\*{5}3456/);
    assert.ok(!logged.includes(PHONE), logged);

    assert.equal(await notifier.appointmentBooked({ phone: 'client:alice', language: 'en', service: 'check-up', start: START, appointmentId: 'a2' }), 'not_sent');
    assert.equal(await notifier.appointmentBooked({ phone: PHONE, language: 'en', service: 'check-up', start: START, appointmentId: 'a3' }), 'sent');
  });
});
