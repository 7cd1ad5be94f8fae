// Appointments: booked on a free lane or not at all, the database refusing any overlap (migration 006).
import type { Queryable } from '../db/db.ts';
import type { BusyInterval } from './free-slots.ts';

export interface Appointment {
  id: string;
  customerId: string;
  phone: string;
  service: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  status: 'booked' | 'cancelled';
  createdAt: Date;
}

interface AppointmentRow {
  id: string;
  customer_id: string;
  phone: string;
  service: string;
  name: string;
  starts_at: Date;
  ends_at: Date;
  status: 'booked' | 'cancelled';
  created_at: Date;
}

const COLUMNS = `a.id, a.customer_id, c.phone, a.service, a.name, a.starts_at, a.ends_at, a.status, a.created_at`;
const FROM = `appointments a JOIN customers c ON c.id = a.customer_id`;

function toAppointment(row: AppointmentRow): Appointment {
  return {
    id: row.id,
    customerId: row.customer_id,
    phone: row.phone,
    service: row.service,
    name: row.name,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    createdAt: row.created_at,
  };
}

export interface Span {
  startsAt: Date;
  endsAt: Date;
  blockedUntil: Date;
}

export interface NewAppointment extends Span {
  customerId: string;
  conversationId: string | null;
  service: string;
  name: string;
}

/**
 * Books on the first lane the exclusion constraint lets it have. ON CONFLICT DO NOTHING waits for a
 * competing transaction on that lane and then skips it, so of two callers racing for the last
 * place exactly one gets a row. Null when every lane is taken.
 */
export async function insertAppointment(db: Queryable, appointment: NewAppointment, parallel: number): Promise<Appointment | null> {
  for (let lane = 1; lane <= parallel; lane++) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO appointments (customer_id, conversation_id, service, name, starts_at, ends_at, blocked_until, lane)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
      [appointment.customerId, appointment.conversationId, appointment.service, appointment.name, appointment.startsAt, appointment.endsAt, appointment.blockedUntil, lane],
    );
    if (rows[0]) return findAppointment(db, rows[0].id);
  }
  return null;
}

const EXCLUSION_VIOLATION = '23P01';

/**
 * Moves a booked appointment to a new span on the first free lane, keeping its id, within the
 * caller's transaction. An UPDATE has no ON CONFLICT, so each lane is tried under a savepoint:
 * `taken` when every lane is taken there, `not_booked` when it was cancelled meanwhile.
 */
export async function moveAppointmentTo(tx: Queryable, id: string, span: Span, parallel: number): Promise<Appointment | 'taken' | 'not_booked'> {
  for (let lane = 1; lane <= parallel; lane++) {
    await tx.query('SAVEPOINT move_lane');
    try {
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE appointments SET starts_at = $2, ends_at = $3, blocked_until = $4, lane = $5 WHERE id = $1 AND status = 'booked' RETURNING id`,
        [id, span.startsAt, span.endsAt, span.blockedUntil, lane],
      );
      await tx.query('RELEASE SAVEPOINT move_lane');
      return rows.length > 0 ? (await findAppointment(tx, id))! : 'not_booked';
    } catch (error) {
      if ((error as { code?: string }).code !== EXCLUSION_VIOLATION) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT move_lane');
    }
  }
  return 'taken';
}

export async function findAppointment(db: Queryable, id: string): Promise<Appointment | null> {
  const { rows } = await db.query<AppointmentRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.id = $1`, [id]);
  return rows[0] ? toAppointment(rows[0]) : null;
}

/** The caller's own booked appointment with this id; null for anyone else's, so a caller cannot even learn it exists. */
export async function findCallersAppointment(db: Queryable, phone: string, id: string): Promise<Appointment | null> {
  const { rows } = await db.query<AppointmentRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.id = $1 AND c.phone = $2 AND a.status = 'booked'`, [id, phone]);
  return rows[0] ? toAppointment(rows[0]) : null;
}

/** The caller's booked appointments that have not started yet, soonest first. */
export async function listUpcomingForCaller(db: Queryable, phone: string, now: Date): Promise<Appointment[]> {
  const { rows } = await db.query<AppointmentRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE c.phone = $1 AND a.status = 'booked' AND a.starts_at >= $2 ORDER BY a.starts_at, a.id LIMIT 50`,
    [phone, now],
  );
  return rows.map(toAppointment);
}

/** Cancels a booked appointment; null when there is none with that id (or it was already cancelled). */
export async function cancelAppointment(db: Queryable, id: string): Promise<Appointment | null> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE appointments SET status = 'cancelled', cancelled_at = now() WHERE id = $1 AND status = 'booked' RETURNING id`,
    [id],
  );
  return rows[0] ? findAppointment(db, rows[0].id) : null;
}

/** Booked time on each lane overlapping [from, to), for free-slot computation. */
export async function listBusy(db: Queryable, from: Date, to: Date): Promise<BusyInterval[]> {
  const { rows } = await db.query<{ lane: number; starts_at: Date; blocked_until: Date }>(
    `SELECT lane, starts_at, blocked_until FROM appointments WHERE status = 'booked' AND starts_at < $2 AND blocked_until > $1`,
    [from, to],
  );
  return rows.map((row) => ({ lane: row.lane, startsAt: row.starts_at, blockedUntil: row.blocked_until }));
}

export interface AppointmentFilter {
  from?: Date;
  to?: Date;
  status?: 'booked' | 'cancelled';
  customerId?: string;
  limit: number;
}

/** Appointments starting in [from, to), in start order. */
export async function listAppointments(db: Queryable, filter: AppointmentFilter): Promise<Appointment[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('$?', `$${params.length}`));
  };
  if (filter.from) add('a.starts_at >= $?', filter.from);
  if (filter.to) add('a.starts_at < $?', filter.to);
  if (filter.status) add('a.status = $?', filter.status);
  if (filter.customerId) add('a.customer_id = $?', filter.customerId);
  params.push(filter.limit);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await db.query<AppointmentRow>(`SELECT ${COLUMNS} FROM ${FROM} ${where} ORDER BY a.starts_at, a.id LIMIT $${params.length}`, params);
  return rows.map(toAppointment);
}
