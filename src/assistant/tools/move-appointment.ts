// move_appointment: moves one of the caller's own appointments to another free start.
import { z } from 'zod';
import { moveCallersAppointment } from '../../booking/booking.ts';
import { appointmentIdOrNull, callerNumber, confirmationSms, formatForCaller, NO_CALLER_NUMBER, NOT_FOUND, parseStart, startInput } from './booking-tool-helpers.ts';
import { defineTool } from './tool.ts';

export const moveAppointment = defineTool({
  name: 'move_appointment',
  description:
    "Move one of the caller's own appointments (id from list_my_appointments) to a start find_free_slots offered. The result's confirmation_sms says whether a text with the new time is on its way to the caller (on_its_way) or none will come (not_configured, not_sent): only tell the caller to expect a text when it is on its way.",
  inputSchema: z.object({ appointment_id: z.string().trim().max(100).describe('An id from list_my_appointments'), start: startInput }),
  async execute(input, context) {
    const phone = callerNumber(context);
    if (!phone) return NO_CALLER_NUMBER;
    const appointmentId = appointmentIdOrNull(input.appointment_id);
    if (!appointmentId) return NOT_FOUND;
    const start = parseStart(input.start, context);
    if (!start) return { error: 'invalid_start', message: 'start must be one of the ISO 8601 times find_free_slots returned.' };
    const confirmation = confirmationSms(context, phone, 'moved');
    const result = await moveCallersAppointment(
      context.db,
      context.profile,
      { phone, appointmentId, conversationId: context.conversation.id, start, now: context.now() },
      (d) => formatForCaller(d, context),
      confirmation.record,
    );
    if ('error' in result) {
      if (result.error === 'not_found') return NOT_FOUND;
      return 'slots' in result ? { ...result, slots: result.slots.map((start) => ({ start })) } : result;
    }
    confirmation.sent();
    return { moved: { id: result.id, service: result.service, start: formatForCaller(result.startsAt, context) }, confirmation_sms: confirmation.outcome() };
  },
});
