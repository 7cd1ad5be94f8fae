// POST /twilio/status: call progress callbacks; a call's status only ever moves forward, and none is lost to a database outage.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Language } from '../config.ts';
import { openCallConversation, recordCallStatus } from '../db/calls-repo.ts';
import type { Db } from '../db/db.ts';
import type { Spool } from '../jobs/spool.ts';
import { keepWebhook } from '../jobs/webhook-spool.ts';
import { startDeadline } from './deadline.ts';
import { callStatusSchema } from './payloads.ts';

export interface StatusRouteDeps {
  db: Db;
  defaultLanguage: Language;
  replyDeadlineMs: number;
  spool: Spool;
}

export function registerStatusRoute(app: FastifyInstance, deps: StatusRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post('/twilio/status', { schema: { body: callStatusSchema } }, async (request, reply) => {
    const { CallSid: callSid, CallStatus: status, CallDuration: durationSeconds, From: caller } = request.body;
    const log = request.log.child({ callSid, status });
    const deadline = startDeadline(deps.replyDeadlineMs);
    const store = async () => {
      // A call we never answered (it failed or was cancelled before the webhook) still belongs in the log of calls.
      await openCallConversation(deps.db, { callSid, caller: caller ?? null, language: deps.defaultLanguage });
      return recordCallStatus(deps.db, { callSid, status, durationSeconds });
    };
    try {
      const applied = await deadline.race(store());
      log.info({ durationSeconds, applied }, applied ? 'call status recorded' : 'call status ignored: already later');
    } catch (error) {
      // Twilio retries a status callback only when it cannot connect, never after an error
      // answer: the status is kept on disk and stored when the database is back.
      log.error({ err: error }, 'call status not recorded: keeping it for when the database is back');
      const record = { kind: 'call-status' as const, callSid, status, durationSeconds: durationSeconds ?? null, from: caller ?? null, language: deps.defaultLanguage };
      await keepWebhook(deps.spool, { ...record, receivedAt: new Date().toISOString() });
      log.warn('call status kept in the spool');
    }
    return reply.code(204).send();
  });
}
