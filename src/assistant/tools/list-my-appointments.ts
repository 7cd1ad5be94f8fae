// list_my_appointments: the caller's own upcoming appointments, found by the number they call from.
import { z } from 'zod';
import { listUpcomingForCaller } from '../../booking/appointments-repo.ts';
import { callerNumber, formatForCaller, NO_CALLER_NUMBER } from './booking-tool-helpers.ts';
import { defineTool } from './tool.ts';

export const listMyAppointments = defineTool({
  name: 'list_my_appointments',
  description: "List the caller's own upcoming appointments (only theirs: they are found by the number the caller uses).",
  inputSchema: z.object({}),
  async execute(_input, context) {
    const phone = callerNumber(context);
    if (!phone) return NO_CALLER_NUMBER;
    const appointments = await listUpcomingForCaller(context.db, phone, context.now());
    return { appointments: appointments.map((a) => ({ id: a.id, service: a.service, start: formatForCaller(a.startsAt, context) })) };
  },
});
