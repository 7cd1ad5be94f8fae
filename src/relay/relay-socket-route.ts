// GET /twilio/relay: the ConversationRelay WebSocket, opened only for an upgrade Twilio signed for our public wss:// URL.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTwilioSignatureValid, twilioRequestUrl, type TwilioSignatureOptions } from '../twilio/signature.ts';
import { RELAY_SOCKET_PATH } from './relay-twiml.ts';
import { runRelaySession, type RelaySession, type RelaySessionDeps } from './relay-session.ts';

export interface RelaySocketDeps extends RelaySessionDeps {
  /** On shutdown, how long sessions have to finish their reply and hand the call on (half of SHUTDOWN_TIMEOUT_MS). */
  leaveWithinMs: number;
}

// Twilio's frames are small JSON texts; anything near this is not from Twilio.
const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The URL Twilio signed for the upgrade: the webhook rules (PUBLIC_URL, or the forwarded scheme and
 * host behind a trusted proxy) with the WebSocket scheme in place of the HTTP one.
 */
export function relayRequestUrl(request: FastifyRequest, options: TwilioSignatureOptions): string {
  return twilioRequestUrl(request, options).replace(/^(https?|wss?):\/\//i, (_match, scheme: string) =>
    scheme.toLowerCase() === 'https' || scheme.toLowerCase() === 'wss' ? 'wss://' : 'ws://',
  );
}

/** Refuses the upgrade with 403 (no socket, no session) unless it carries Twilio's signature of the wss:// URL. */
function verifyUpgrade(options: TwilioSignatureOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async function relaySignatureHook(request, reply) {
    if (options.authToken === null) return;
    const header = request.headers['x-twilio-signature'];
    const signature = typeof header === 'string' ? header : '';
    const reason =
      signature === '' ? 'missing X-Twilio-Signature' : isTwilioSignatureValid(options.authToken, signature, relayRequestUrl(request, options), {}) ? null : 'signature mismatch';
    if (reason === null) return;
    request.log.warn({ reason, path: RELAY_SOCKET_PATH }, `rejected relay upgrade: ${reason}`);
    reply.code(403).send({ error: 'forbidden', message: 'Invalid Twilio signature' });
    await reply;
  };
}

export async function registerRelaySocket(app: FastifyInstance, signing: TwilioSignatureOptions, deps: RelaySocketDeps): Promise<void> {
  const sessions = new Set<RelaySession>();
  await app.register(async (scope) => {
    await scope.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES },
      // In place of the plugin's own, which closes every socket at once: callers in a session are
      // handed on first (the <Connect action> reaches another instance), then the sockets close.
      async preClose(this: FastifyInstance) {
        const deadlineMs = performance.now() + deps.leaveWithinMs;
        await Promise.allSettled([...sessions].map((session) => session.leave(deadlineMs)));
        for (const client of this.websocketServer.clients) client.close();
        // Settles only once every client has gone: not waited for, as the plugin's own does not.
        this.websocketServer.close();
      },
    });
    scope.addHook('onRequest', verifyUpgrade(signing));
    scope.get(RELAY_SOCKET_PATH, { websocket: true }, (socket, request) => {
      const session = runRelaySession(socket, deps, request.log);
      sessions.add(session);
      socket.on('close', () => sessions.delete(session));
    });
  });
}
