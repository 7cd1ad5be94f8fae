// A small business day in the database, written through the repositories: a call with a booking, a hostile transcript, a message, an appointment.
import type { ModelMessage } from 'ai';
import { insertAppointment } from '../../src/booking/appointments-repo.ts';
import { recordContact, saveCustomerName } from '../../src/booking/customers-repo.ts';
import { insertCallbackRequest } from '../../src/db/callbacks-repo.ts';
import { openCallConversation, recordCallStatus } from '../../src/db/calls-repo.ts';
import { appendMessages, createConversation } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { callSid } from './twilio-client.ts';

export const SEED_PHONE = '+14155550123';
export const SEED_NAME = 'Jana Nováková';
export const HOSTILE_TEXT = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> is anyone there?';

export interface Seeded {
  callId: string;
  hostileId: string;
  customerId: string;
  messageId: string;
  appointmentId: string;
}

function tomorrowAt(hourUtc: number): Date {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + 1);
  day.setUTCHours(hourUtc, 0, 0, 0);
  return day;
}

export async function seedDashboard(db: Db): Promise<Seeded> {
  const { conversation: call } = await openCallConversation(db, { callSid: callSid(), caller: SEED_PHONE, language: 'en' });
  const customer = await recordContact(db, SEED_PHONE, call.id, 'en');
  await saveCustomerName(db, SEED_PHONE, SEED_NAME);
  const startsAt = tomorrowAt(10);
  const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
  const booking: ModelMessage[] = [
    { role: 'user', content: 'I would like a check-up tomorrow morning.' },
    {
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'book_appointment', input: { service: 'Check-up', start: startsAt.toISOString(), name: SEED_NAME } }],
    },
    {
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'call-1', toolName: 'book_appointment', output: { type: 'json', value: { booked: { service: 'Check-up' } } } }],
    },
    { role: 'assistant', content: 'You are booked for a check-up tomorrow morning.' },
  ];
  await appendMessages(db, call.id, booking);
  await recordCallStatus(db, { callSid: call.callSid!, status: 'completed', durationSeconds: 95 });
  const appointment = await insertAppointment(
    db,
    { customerId: customer.id, conversationId: call.id, service: 'Check-up', name: SEED_NAME, startsAt, endsAt, blockedUntil: endsAt },
    1,
  );

  const hostile = await createConversation(db, { channel: 'sms', language: 'en', caller: SEED_PHONE });
  await appendMessages(db, hostile.id, [
    { role: 'user', content: HOSTILE_TEXT },
    { role: 'assistant', content: 'Yes, how can I help?' },
  ]);
  const message = await insertCallbackRequest(db, { conversationId: call.id, caller: SEED_PHONE, name: SEED_NAME, message: 'Please call me back about the invoice.' });
  return { callId: call.id, hostileId: hostile.id, customerId: customer.id, messageId: message.id, appointmentId: appointment!.id };
}
