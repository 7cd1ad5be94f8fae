// cancel_appointment: cancels one of the caller's own appointments; anyone else's looks like no appointment at all.
import { z } from 'zod';
import { findCallersAppointment } from '../../booking/appointments-repo.ts';
import { cancelAndAnnounce } from '../../booking/booking.ts';
import { appointmentIdOrNull, callerNumber, formatForCaller, NO_CALLER_NUMBER, NOT_FOUND } from './booking-tool-helpers.ts';
import { defineTool } from './tool.ts';

export const cancelAppointmentTool = defineTool({
  name: 'cancel_appointment',
  description: "Cancel one of the caller's own appointments, by the id list_my_appointments gave.",
  inputSchema: z.object({ appointment_id: z.string().trim().max(100).describe('An id from list_my_appointments') }),
  async execute(input, context) {
    const phone = callerNumber(context);
    if (!phone) return NO_CALLER_NUMBER;
    const id = appointmentIdOrNull(input.appointment_id);
    const own = id ? await findCallersAppointment(context.db, phone, id) : null;
    if (!own) return NOT_FOUND;
    const cancelled = await cancelAndAnnounce(context.db, own.id, context.conversation.id);
    if (!cancelled) return NOT_FOUND;
    return { cancelled: { id: cancelled.id, service: cancelled.service, start: formatForCaller(cancelled.startsAt, context) } };
  },
});
