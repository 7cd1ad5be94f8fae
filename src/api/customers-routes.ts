// /v1/customers: who has been in touch, their history and notes, and erasure on request.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAppointments } from '../booking/appointments-repo.ts';
import {
  eraseCustomer,
  findCustomer,
  listCustomerConversations,
  listCustomers,
  updateCustomerNotes,
  type Customer,
} from '../booking/customers-repo.ts';
import { cleanText } from '../clean-text.ts';
import { LANGUAGES } from '../config.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http-error.ts';
import { errorResponse } from '../ops/error-handler.ts';
import { appointmentJson, toAppointmentJson } from './appointment-json.ts';

const HISTORY_LIMIT = 50;
const LIMIT_RULE = 'must be a whole number from 1 to 100';

const customerJson = z.object({
  id: z.string(),
  phone: z.string().describe('E.164'),
  name: z.string().nullable(),
  language: z.enum(LANGUAGES).nullable(),
  notes: z.string(),
  first_contact_at: z.date(),
  last_contact_at: z.date(),
  conversation_count: z.number(),
});

const customerParams = z.object({ id: z.uuid({ error: 'must be a customer id (a UUID) from GET /v1/customers' }) });

const listQuery = z.object({
  limit: z.coerce.number({ error: LIMIT_RULE }).int({ error: LIMIT_RULE }).min(1, { error: LIMIT_RULE }).max(100, { error: LIMIT_RULE }).default(20),
  offset: z.coerce.number({ error: 'must be a whole number, 0 or more' }).int().min(0, { error: 'must be a whole number, 0 or more' }).default(0),
  search: z.string().trim().max(100).optional().describe('Part of the name or phone number'),
});

const customerDetail = customerJson.extend({
  conversations: z
    .array(z.object({ id: z.string().describe('GET /v1/calls/{id}'), channel: z.string(), status: z.string(), created_at: z.date(), ended_at: z.date().nullable() }))
    .describe(`The ${HISTORY_LIMIT} most recent, newest first`),
  appointments: z.array(appointmentJson).describe('All of them, booked and cancelled, in start order'),
});

const erasure = z.object({
  erased: z
    .object({
      customer: z.number(),
      conversations: z.number(),
      messages: z.number(),
      appointments: z.number(),
      callback_requests: z.number(),
      webhook_replies: z.number(),
      texts: z.number().describe('Texts to the caller (booking confirmations)'),
      events: z.number(),
    })
    .describe('How many records of each kind were removed'),
});

function toCustomerJson(c: Customer): z.output<typeof customerJson> {
  return {
    id: c.id,
    phone: c.phone,
    name: c.name,
    language: c.language,
    notes: c.notes,
    first_contact_at: c.firstContactAt,
    last_contact_at: c.lastContactAt,
    conversation_count: c.conversationCount,
  };
}

const notFound = (id: string) => new HttpError(404, 'not_found', `No customer with id ${id}.`);

export function registerCustomersRoutes(app: FastifyInstance, deps: { db: Db; timeZone: string }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/v1/customers', {
    schema: {
      summary: 'List customers, most recently in touch first',
      tags: ['customers'],
      querystring: listQuery,
      response: { 200: z.object({ items: z.array(customerJson), next_offset: z.number().nullable() }).describe('A page of customers; next_offset is null on the last page') },
    },
    handler: async (request) => {
      const { limit, offset, search } = request.query;
      const rows = await listCustomers(deps.db, { limit: limit + 1, offset, ...(search ? { search } : {}) });
      return { items: rows.slice(0, limit).map(toCustomerJson), next_offset: rows.length > limit ? offset + limit : null };
    },
  });

  api.get('/v1/customers/:id', {
    schema: {
      summary: 'One customer with their recent conversations and their appointments',
      tags: ['customers'],
      params: customerParams,
      response: { 200: customerDetail.describe('The customer'), 404: errorResponse('No customer has this id (not_found)') },
    },
    handler: async (request) => {
      const customer = await findCustomer(deps.db, request.params.id);
      if (!customer) throw notFound(request.params.id);
      const [conversations, appointments] = await Promise.all([
        listCustomerConversations(deps.db, customer.phone, HISTORY_LIMIT),
        listAppointments(deps.db, { customerId: customer.id, limit: 500 }),
      ]);
      return {
        ...toCustomerJson(customer),
        conversations: conversations.map((c) => ({ id: c.id, channel: c.channel, status: c.status, created_at: c.createdAt, ended_at: c.endedAt })),
        appointments: appointments.map((a) => toAppointmentJson(a, deps.timeZone)),
      };
    },
  });

  api.patch('/v1/customers/:id', {
    schema: {
      summary: "Replace the owner's notes on a customer",
      tags: ['customers'],
      params: customerParams,
      body: z.object({ notes: z.string().transform(cleanText).pipe(z.string().max(10_000, { error: 'must be at most 10000 characters' })).describe('Replaces the notes; empty clears them') }),
      response: { 200: customerJson.describe('The customer, updated'), 404: errorResponse('No customer has this id (not_found)') },
    },
    handler: async (request) => {
      const customer = await updateCustomerNotes(deps.db, request.params.id, request.body.notes);
      if (!customer) throw notFound(request.params.id);
      return toCustomerJson(customer);
    },
  });

  api.delete('/v1/customers/:id', {
    schema: {
      summary: 'Erase a customer and everything kept under their number: conversations, messages, appointments, callback requests, texts',
      tags: ['customers'],
      params: customerParams,
      response: { 200: erasure.describe('Erased; counts of what was removed'), 404: errorResponse('No customer has this id (not_found)') },
    },
    handler: async (request) => {
      const report = await deps.db.transaction((tx) => eraseCustomer(tx, request.params.id));
      if (!report) throw notFound(request.params.id);
      request.log.info({ customerId: request.params.id, erased: report }, 'customer erased');
      const { callbackRequests, webhookReplies, ...rest } = report;
      return { erased: { ...rest, callback_requests: callbackRequests, webhook_replies: webhookReplies } };
    },
  });
}
