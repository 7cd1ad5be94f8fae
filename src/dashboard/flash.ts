// A one-time notice kept in the session across a redirect: "added, 12 passages", "not added: …".
import type { FastifyRequest } from 'fastify';

export interface Flash {
  text: string;
  problem: boolean;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    /** The password epoch the owner signed in under. */
    owner: string;
    flash: Flash;
  }
}

export function takeFlash(request: FastifyRequest): Flash | null {
  // The live view's refetch of a page is not the owner reading it.
  if (request.headers['x-dashboard-fetch']) return null;
  const flash = request.session.get('flash');
  if (!flash) return null;
  request.session.set('flash', undefined);
  return flash;
}
