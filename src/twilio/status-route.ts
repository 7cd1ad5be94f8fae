// POST /twilio/status: call progress callbacks; a call's status only ever moves forward.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Language } from '../config.ts';
import { openCallConversation, recordCallStatus } from '../db/calls-repo.ts';
import type { Db } from '../db/db.ts';
import { callStatusSchema } from './payloads.ts';

export function registerStatusRoute(app: FastifyInstance, deps: { db: Db; defaultLanguage: Language }): void {
  app.withTypeProvider<ZodTypeProvider>().post('/twilio/status', { schema: { body: callStatusSchema } }, async (request, reply) => {
    const { CallSid: callSid, CallStatus: status, CallDuration: durationSeconds, From: caller } = request.body;
    // A call we never answered (it failed or was cancelled before the webhook) still belongs in the log of calls.
    await openCallConversation(deps.db, { callSid, caller: caller ?? null, language: deps.defaultLanguage });
    const applied = await recordCallStatus(deps.db, { callSid, status, durationSeconds });
    request.log.info({ callSid, status, durationSeconds, applied }, applied ? 'call status recorded' : 'call status ignored: already later');
    return reply.code(204).send();
  });
}
