// Signing in and out: the password form, attempts limited per address, a fresh session on success.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RateLimits } from '../ops/rate-limit.ts';
import { html, type Html } from './html.ts';
import { stringsOf } from './i18n/strings.ts';
import { barePage, csrfField } from './layout.ts';
import type { PasswordCheck } from './password.ts';

interface SignInDeps {
  check: PasswordCheck;
  /** Stored in the session: a new password ends older sessions. */
  epoch: string;
  rateLimits: Pick<RateLimits, 'signIn'>;
}

async function signInPage(reply: FastifyReply, status: number, problem: Html | null): Promise<FastifyReply> {
  const token = await reply.generateCsrf();
  const t = stringsOf(reply.request);
  const body = html`<form method="post" action="/dashboard/sign-in" class="sign-in">
<h1>${t.signIn.title}</h1>
${problem ? html`<p class="problem" role="alert">${problem}</p>` : ''}
${csrfField(token)}
<label>${t.signIn.password} <input type="password" name="password" autocomplete="current-password" required autofocus></label>
<button type="submit">${t.signIn.button}</button>
</form>`;
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(barePage(t.signIn.title, body, t));
}

export function registerSignIn(app: FastifyInstance, deps: SignInDeps): void {
  app.get('/dashboard/sign-in', async (request, reply) => {
    if (request.session.get('owner') === deps.epoch) return reply.redirect('/', 303);
    return signInPage(reply, 200, null);
  });

  app.post('/dashboard/sign-in', async (request, reply) => {
    const verdict = await deps.rateLimits.signIn(request);
    if (verdict.limited) {
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      return signInPage(reply, 429, html`${stringsOf(request).signIn.tooMany(verdict.retryAfterSeconds)}`);
    }
    const password = (request.body as Record<string, unknown> | undefined)?.password;
    if (typeof password !== 'string' || !(await deps.check(password))) {
      request.log.info('dashboard: wrong password');
      return signInPage(reply, 401, html`${stringsOf(request).signIn.wrong}`);
    }
    // A new session (and with it a new CSRF secret): nothing set before signing in carries over but the language.
    const language = request.session.get('language');
    request.session.regenerate();
    request.session.set('owner', deps.epoch);
    if (language) request.session.set('language', language);
    return reply.redirect('/', 303);
  });

  app.post('/dashboard/sign-out', async (request, reply) => {
    // Everything but the interface language goes (the owner and the CSRF secret): the sign-in page and the next
    // sign-in keep speaking the language the owner chose.
    request.session.regenerate(['language']);
    return reply.redirect('/dashboard/sign-in', 303);
  });
}
