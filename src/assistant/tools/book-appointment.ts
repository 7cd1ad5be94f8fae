// book_appointment: books a free start for the caller, whose number comes from the call, never from the model.
import { z } from 'zod';
import { bookSlot, findService } from '../../booking/booking.ts';
import { maskPhone } from '../../phone.ts';
import { callerNumber, confirmationSms, formatForCaller, NO_CALLER_NUMBER, parseStart, startInput } from './booking-tool-helpers.ts';
import { defineTool } from './tool.ts';

export const bookAppointment = defineTool({
  name: 'book_appointment',
  description:
    "Book an appointment for the caller at a start that find_free_slots offered. If the time was just taken, offer the returned slots instead. The result's confirmation_sms says whether a confirmation text is on its way to the caller (on_its_way) or none will come (not_configured, not_sent): only tell the caller to expect a text when it is on its way.",
  inputSchema: z.object({
    service: z.string().trim().min(1).max(100).describe('The service name exactly as the business lists it'),
    start: startInput,
    name: z.string().trim().min(1).max(200).describe("The caller's name, for the appointment"),
  }),
  async execute(input, context) {
    const phone = callerNumber(context);
    if (!phone) return NO_CALLER_NUMBER;
    const service = findService(context.profile, input.service);
    if (!service) return { error: 'unknown_service', services: context.profile.services.map((s) => s.name) };
    const start = parseStart(input.start, context);
    if (!start) return { error: 'invalid_start', message: 'start must be one of the ISO 8601 times find_free_slots returned.' };
    const confirmation = confirmationSms(context, phone, 'booked');
    const result = await bookSlot(
      context.db,
      context.profile,
      { phone, conversationId: context.conversation.id, service, name: input.name, start, now: context.now() },
      (d) => formatForCaller(d, context),
      confirmation.record,
    );
    if ('error' in result) {
      return 'slots' in result ? { ...result, slots: result.slots.map((start) => ({ start })) } : result;
    }
    confirmation.sent();
    const booked = { id: result.id, service: result.service, start: formatForCaller(result.startsAt, context) };
    context.log.info({ appointmentId: result.id, phone: maskPhone(phone), confirmation: confirmation.outcome() }, 'appointment booked');
    return { booked, confirmation_sms: confirmation.outcome() };
  },
});
