// find_free_slots: bookable starts for a service between two dates, in the business's time zone.
import { z } from 'zod';
import { findFreeSlots, findService } from '../../booking/booking.ts';
import { dateInput, formatForCaller } from './booking-tool-helpers.ts';
import { defineTool } from './tool.ts';

export const findFreeSlotsTool = defineTool({
  name: 'find_free_slots',
  description:
    'Find free appointment times for a service. Dates are the business\'s local dates (YYYY-MM-DD); without them the next seven days are searched. Offer the caller a few of the returned starts.',
  inputSchema: z.object({
    service: z.string().trim().min(1).max(100).describe('The service name exactly as the business lists it'),
    from: dateInput.optional().describe('First date to search, YYYY-MM-DD'),
    to: dateInput.optional().describe('Last date to search, YYYY-MM-DD'),
  }),
  async execute(input, context) {
    const service = findService(context.profile, input.service);
    if (!service) return { error: 'unknown_service', services: context.profile.services.map((s) => s.name) };
    const found = await findFreeSlots(context.db, context.profile, service, input, context.now());
    if (!Array.isArray(found)) return found;
    return { slots: found.map((slot) => ({ start: formatForCaller(slot, context) })) };
  },
});
