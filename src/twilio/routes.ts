// The /twilio scope: form bodies only, signature check before validation, and the webhook routes.
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { apology } from '../assistant/phrases.ts';
import { registerRelayEndedRoute } from '../relay/relay-ended-route.ts';
import type { RelaySessionDeps } from '../relay/relay-session.ts';
import { registerRelaySocket } from '../relay/relay-socket-route.ts';
import { LANGUAGES, type Config } from '../config.ts';
import { callerRateLimit, type CallerLimitDeps } from './caller-limit.ts';
import { requireFormBody } from './form-content-type.ts';
import { registerDialEndedRoute } from './handover.ts';
import { registerSmsRoute, type SmsRouteDeps } from './sms-route.ts';
import { verifyTwilioSignature } from './signature.ts';
import { registerStatusRoute } from './status-route.ts';
import { gatherTwiml, TWIML_CONTENT_TYPE } from './twiml.ts';
import { registerVoiceRoutes, type VoiceRouteDeps } from './voice-routes.ts';
import { callLanguage, voiceAction } from './voice-urls.ts';

export interface TwilioDeps extends Omit<VoiceRouteDeps, 'voiceMode' | 'urls'>, SmsRouteDeps, CallerLimitDeps {
  /** null when validation is off. */
  authToken: string | null;
  limitCallerTurn: RelaySessionDeps['limitCallerTurn'];
  observeTokenDelay: RelaySessionDeps['observeTokenDelay'];
}

export async function registerTwilioRoutes(app: FastifyInstance, config: Readonly<Config>, deps: TwilioDeps): Promise<void> {
  const urls = { publicUrl: config.publicUrl, trustProxy: config.trustProxy };
  await app.register(async (scope) => {
    await scope.register(formbody);
    // First of all: a body Twilio never sends is refused before it is parsed or its signature checked.
    scope.addHook('onRequest', requireFormBody);
    scope.addHook('preValidation', verifyTwilioSignature({ authToken: deps.authToken, publicUrl: config.publicUrl, trustProxy: config.trustProxy }));
    // After validation, so the limit is keyed by the verified, normalised caller.
    scope.addHook('preHandler', callerRateLimit(deps));
    scope.setErrorHandler<FastifyError>((error, request, reply) => {
      // A caller must never hear Twilio's "application error": an unexpected failure mid-call
      // becomes an apology and the call goes on, at the same turn.
      const isVoice = ['/twilio/voice', '/twilio/incoming', '/twilio/dial-ended', '/twilio/relay-ended'].some((route) => request.url.startsWith(route));
      if (!isVoice || error.validation || (error.statusCode ?? 500) < 500) throw error;
      // A database that does not answer ends here too (DbUnavailableError, or the webhook's spent budget).
      request.log.error({ err: error }, 'voice webhook failed');
      const query = new URL(request.url, 'http://local').searchParams;
      const turn = Number(query.get('turn') ?? 1) || 1;
      // The call's language rides in the URL, as the conversation may be out of reach.
      const language = LANGUAGES.find((known) => known === query.get('language')) ?? deps.defaultLanguage;
      const action = voiceAction(turn, callLanguage(language, deps.defaultLanguage));
      return reply.type(TWIML_CONTENT_TYPE).send(gatherTwiml(language, apology(language, 'other'), action));
    });
    registerVoiceRoutes(scope, { ...deps, voiceMode: config.voiceMode, urls });
    registerDialEndedRoute(scope, { ...deps, urls });
    registerRelayEndedRoute(scope, { ...deps, urls });
    registerStatusRoute(scope, deps);
    registerSmsRoute(scope, deps);
  });
  // Outside the form-body scope: the upgrade is a GET with a signature over the wss:// URL.
  await registerRelaySocket(app, { authToken: deps.authToken, ...urls }, {
    ...deps,
    silenceTimeoutMs: config.relaySilenceTimeoutMs,
    leaveWithinMs: config.shutdownTimeoutMs / 2,
  });
}
