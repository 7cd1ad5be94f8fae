// An appointment as the owner's API shows it: instants in UTC plus the start in the business's zone.
import { z } from 'zod';
import type { Appointment } from '../booking/appointments-repo.ts';
import { formatInstant } from '../booking/free-slots.ts';

export const appointmentJson = z.object({
  id: z.string(),
  customer_id: z.string().describe('GET /v1/customers/{id}'),
  phone: z.string().describe('E.164'),
  name: z.string(),
  service: z.string(),
  starts_at: z.date(),
  ends_at: z.date(),
  local_start: z.string().describe("The start in the business's time zone, ISO 8601 with offset"),
  status: z.enum(['booked', 'cancelled']),
  created_at: z.date(),
});

export function toAppointmentJson(a: Appointment, timeZone: string): z.output<typeof appointmentJson> {
  return {
    id: a.id,
    customer_id: a.customerId,
    phone: a.phone,
    name: a.name,
    service: a.service,
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    local_start: formatInstant(a.startsAt, timeZone),
    status: a.status,
    created_at: a.createdAt,
  };
}
