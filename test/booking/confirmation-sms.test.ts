// Booking confirmation texts: each language, and how they are recorded with the booking without ever spoiling it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { confirmationText, createSmsBookingNotifier } from '../../src/booking/confirmation-sms.ts';
import { createConversation } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { listJobs } from '../../src/db/outbox-repo.ts';
import { listConversationSms } from '../../src/db/outgoing-sms-repo.ts';
import { SMS_SEND_JOB } from '../../src/jobs/outgoing-sms.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { openTestDb } from '../helpers/test-app.ts';

const START = '2026-03-30T09:30:00+02:00';
const PHONE = '+421905123456';

describe('booking confirmation SMS', () => {
  let db: Db;
  before(async () => {
    db = await openTestDb();
  });
  after(async () => db.close());

  it('reads in each language with the time in the business zone', () => {
    const text = (language: 'en' | 'ru' | 'uk' | 'sk') => confirmationText({ language, service: 'check-up', start: START }, 'Bright Smile', 'Europe/Bratislava');
    assert.match(text('en'), /^Bright Smile: your check-up is booked for Monday,? 30 March 2026 at 09:30\./);
    assert.match(text('ru'), /^Bright Smile: вы записаны на «check-up» — понедельник, 30 марта 2026.* 09:30\./);
    assert.match(text('uk'), /^Bright Smile: вас записано на «check-up» — понеділок, 30 березня 2026.* 09:30\./);
    assert.match(text('sk'), /^Bright Smile: váš termín \(check-up\) je rezervovaný na pondelok 30\. marca 2026.* 9:30\./);
    assert.match(confirmationText({ language: 'en', service: 'check-up', start: START }, 'Bright Smile', 'America/New_York'), /at 03:30\./);
  });

  it('tells of a moved appointment in each language, with its new time', () => {
    const text = (language: 'en' | 'ru' | 'uk' | 'sk') => confirmationText({ language, service: 'check-up', start: START }, 'Bright Smile', 'Europe/Bratislava', 'moved');
    assert.match(text('en'), /^Bright Smile: your check-up has been moved to Monday,? 30 March 2026 at 09:30\./);
    assert.match(text('ru'), /^Bright Smile: ваша запись на «check-up» перенесена на понедельник, 30 марта 2026.* 09:30\./);
    assert.match(text('uk'), /^Bright Smile: ваш запис на «check-up» перенесено на понеділок, 30 березня 2026.* 09:30\./);
    assert.match(text('sk'), /^Bright Smile: váš termín \(check-up\) sme presunuli na pondelok 30\. marca 2026.* 9:30\./);
  });

  it('records the text and its sending job in the given transaction, or only the text without a Twilio account', async () => {
    const conversation = await createConversation(db, { channel: 'voice', language: 'sk', caller: PHONE });
    let woken = 0;
    const notifier = (sendingConfigured: boolean) =>
      createSmsBookingNotifier({ businessName: 'Bright Smile', timeZone: 'Europe/Bratislava', sendingConfigured, wake: () => (woken += 1), log: createLogger({ logLevel: 'silent' }) });
    const confirmation = { phone: PHONE, language: 'sk' as const, service: 'check-up', start: START, appointmentId: null as unknown as string, conversationId: conversation.id };

    assert.equal(await db.transaction((tx) => notifier(true).recordConfirmation(tx, confirmation, 'booked')), 'on_its_way');
    assert.equal(await db.transaction((tx) => notifier(false).recordConfirmation(tx, confirmation, 'booked')), 'not_configured');
    assert.equal(await db.transaction((tx) => notifier(true).recordConfirmation(tx, { ...confirmation, phone: 'client:alice' }, 'booked')), 'not_sent');
    assert.equal(await db.transaction((tx) => notifier(true).recordConfirmation(tx, confirmation, 'moved')), 'on_its_way');
    const texts = await listConversationSms(db, conversation.id);
    assert.deepEqual(texts.map((t) => [t.to, t.status]), [[PHONE, 'pending'], [PHONE, 'not_configured'], [PHONE, 'pending']]);
    assert.match(texts[0]!.body, /^Bright Smile: váš termín \(check-up\) je rezervovaný/);
    assert.match(texts[2]!.body, /^Bright Smile: váš termín \(check-up\) sme presunuli/);
    const jobs = await listJobs(db, SMS_SEND_JOB);
    assert.deepEqual(jobs.map((job) => job.payload), [{ smsId: texts[0]!.id }, { smsId: texts[2]!.id }]);
    assert.equal(woken, 0, 'the worker is woken only once the booking has committed');
    notifier(true).committed();
    assert.equal(woken, 1);
  });

  it('leaves the booking transaction usable when the text cannot be recorded', async () => {
    const notifier = createSmsBookingNotifier({ businessName: 'Bright Smile', timeZone: 'Europe/Bratislava', sendingConfigured: true, wake: () => undefined, log: createLogger({ logLevel: 'silent' }) });
    // No such conversation: the foreign key refuses the text.
    const missing = '00000000-0000-4000-8000-000000000000';
    const kept = await db.transaction(async (tx) => {
      const outcome = await notifier.recordConfirmation(tx, { phone: PHONE, language: 'en', service: 'check-up', start: START, appointmentId: missing, conversationId: missing }, 'booked');
      const { rows } = await tx.query<{ ok: number }>('SELECT 1 AS ok');
      return { outcome, ok: rows[0]?.ok };
    });
    assert.deepEqual(kept, { outcome: 'not_sent', ok: 1 });
  });
});
