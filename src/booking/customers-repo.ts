// Customers: one record per phone number (E.164), recognised when they call or write again.
import type { Language } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import { SMS_SEND_JOB } from '../jobs/outgoing-sms.ts';

export interface Customer {
  id: string;
  phone: string;
  name: string | null;
  language: Language | null;
  notes: string;
  firstContactAt: Date;
  lastContactAt: Date;
  conversationCount: number;
}

interface CustomerRow {
  id: string;
  phone: string;
  name: string | null;
  language: Language | null;
  notes: string;
  first_contact_at: Date;
  last_contact_at: Date;
  conversation_count: number;
}

const COLUMNS = 'id, phone, name, language, notes, first_contact_at, last_contact_at, conversation_count';

function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    phone: row.phone,
    name: row.name,
    language: row.language,
    notes: row.notes,
    firstContactAt: row.first_contact_at,
    lastContactAt: row.last_contact_at,
    conversationCount: row.conversation_count,
  };
}

/**
 * The caller's record as a contact: moves the last contact on and keeps the language they speak.
 * The conversation itself was counted when it was created (src/db/customer-contact.ts); a record
 * missing for any reason is created here, counting it. `previousConversations` is the count before
 * this conversation. A turn does the same inside its own first statement (turnContactCte).
 */
export async function recordContact(db: Queryable, phone: string, conversationId: string, language?: Language): Promise<Customer & { previousConversations: number }> {
  const { rows } = await db.query<CustomerRow & { previous_conversations: number }>(
    `INSERT INTO customers AS c (phone, language, conversation_count, last_conversation_id) VALUES ($1, $3, 1, $2)
     ON CONFLICT (phone) DO UPDATE SET
       last_contact_at = now(),
       language = coalesce(EXCLUDED.language, c.language)
     RETURNING ${COLUMNS}, greatest(conversation_count - 1, 0) AS previous_conversations`,
    [phone, conversationId, language ?? null],
  );
  const row = rows[0]!;
  return { ...toCustomer(row), previousConversations: row.previous_conversations };
}

/** The record for `phone`, created (without counting a conversation) when there is none yet. */
export async function ensureCustomer(db: Queryable, phone: string): Promise<Customer> {
  const { rows } = await db.query<CustomerRow>(
    `INSERT INTO customers (phone) VALUES ($1) ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING ${COLUMNS}`,
    [phone],
  );
  return toCustomer(rows[0]!);
}

export async function findCustomerByPhone(db: Queryable, phone: string): Promise<Customer | null> {
  const { rows } = await db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE phone = $1`, [phone]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

export async function findCustomer(db: Queryable, id: string): Promise<Customer | null> {
  const { rows } = await db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = $1`, [id]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

export async function saveCustomerName(db: Queryable, phone: string, name: string): Promise<Customer> {
  const { rows } = await db.query<CustomerRow>(
    `INSERT INTO customers (phone, name) VALUES ($1, $2)
     ON CONFLICT (phone) DO UPDATE SET name = EXCLUDED.name, updated_at = now() RETURNING ${COLUMNS}`,
    [phone, name],
  );
  return toCustomer(rows[0]!);
}

export async function saveCustomerLanguage(db: Queryable, phone: string, language: Language): Promise<void> {
  await db.query(
    `INSERT INTO customers (phone, language) VALUES ($1, $2)
     ON CONFLICT (phone) DO UPDATE SET language = EXCLUDED.language, updated_at = now()`,
    [phone, language],
  );
}

export async function updateCustomerNotes(db: Queryable, id: string, notes: string): Promise<Customer | null> {
  const { rows } = await db.query<CustomerRow>(`UPDATE customers SET notes = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id, notes]);
  return rows[0] ? toCustomer(rows[0]) : null;
}

/** Customers, most recently in touch first; `search` matches name or phone. */
export async function listCustomers(db: Queryable, options: { limit: number; offset: number; search?: string }): Promise<Customer[]> {
  const params: unknown[] = [options.limit, options.offset];
  let where = '';
  if (options.search) {
    params.push(`%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where = `WHERE name ILIKE $3 OR phone LIKE $3`;
  }
  const { rows } = await db.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers ${where} ORDER BY last_contact_at DESC, id DESC LIMIT $1 OFFSET $2`,
    params,
  );
  return rows.map(toCustomer);
}

/** What erasing a customer removed, counted per kind. */
export interface ErasureReport {
  customer: number;
  conversations: number;
  messages: number;
  appointments: number;
  callbackRequests: number;
  webhookReplies: number;
  /** Texts to the caller (outgoing_sms), sent or not. */
  texts: number;
  /** Business events, owner texts and texts to the caller still kept in the outbox that name the caller or one of their conversations. */
  events: number;
}

/**
 * Right to erasure: the customer and everything kept under their phone number, in one transaction.
 * Callback requests go by number as well as by conversation, since a message may outlive its call.
 */
export async function eraseCustomer(tx: Queryable, id: string): Promise<ErasureReport | null> {
  const customer = await tx.query<{ phone: string }>('SELECT phone FROM customers WHERE id = $1 FOR UPDATE', [id]);
  const phone = customer.rows[0]?.phone;
  if (phone === undefined) return null;
  const count = async (sql: string, key: string) =>
    (await tx.query<{ n: number }>(`WITH gone AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM gone`, [key])).rows[0]!.n;
  const ofCaller = `SELECT id FROM conversations WHERE caller = $1`;
  const callbackRequests = await count(`DELETE FROM callback_requests WHERE caller = $1 OR conversation_id IN (${ofCaller})`, phone);
  const appointments = await count(`DELETE FROM appointments WHERE customer_id = $1`, id);
  const messages = await count(`DELETE FROM conversation_messages WHERE conversation_id IN (${ofCaller})`, phone);
  const webhookReplies = await count(`DELETE FROM webhook_replies WHERE conversation_id IN (${ofCaller})`, phone);
  const callersTexts = `SELECT id FROM outgoing_sms WHERE to_phone = $1 OR conversation_id IN (${ofCaller})`;
  // Events carry the number and conversation ids inside their JSON: found by text, as erasure is rare.
  // A text's sending job names only the text.
  const events = await count(
    `DELETE FROM outbox_jobs WHERE strpos(payload::text, $1) > 0
       OR EXISTS (SELECT 1 FROM conversations c WHERE c.caller = $1 AND strpos(outbox_jobs.payload::text, c.id::text) > 0)
       OR (kind = '${SMS_SEND_JOB}' AND payload->>'smsId' IN (SELECT id::text FROM (${callersTexts}) t))`,
    phone,
  );
  const texts = await count(`DELETE FROM outgoing_sms WHERE id IN (${callersTexts})`, phone);
  const conversations = await count(`DELETE FROM conversations WHERE caller = $1`, phone);
  const removed = await count(`DELETE FROM customers WHERE id = $1`, id);
  return { customer: removed, conversations, messages, appointments, callbackRequests, webhookReplies, texts, events };
}

export interface CustomerConversation {
  id: string;
  channel: string;
  status: string;
  createdAt: Date;
  endedAt: Date | null;
}

/** The customer's most recent conversations (calls, SMS threads, text sessions), newest first. */
export async function listCustomerConversations(db: Queryable, phone: string, limit: number): Promise<CustomerConversation[]> {
  const { rows } = await db.query<{ id: string; channel: string; status: string; created_at: Date; ended_at: Date | null }>(
    `SELECT id, channel, status, created_at, ended_at FROM conversations WHERE caller = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [phone, limit],
  );
  return rows.map((row) => ({ id: row.id, channel: row.channel, status: row.status, createdAt: row.created_at, endedAt: row.ended_at }));
}
