// The owner's dashboard at / and /dashboard/…: signed session cookies, CSRF on every change, a strict CSP, live updates.
import { fileURLToPath } from 'node:url';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import secureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { html } from './html.ts';
import { barePage, page, type PageContext } from './layout.ts';
import { stringsOf } from './i18n/strings.ts';
import { createLiveHub } from './live.ts';
import { passwordCheck, passwordEpoch } from './password.ts';
import { sessionKey } from './session-key.ts';
import { registerSignIn } from './sign-in.ts';
import { registerPages } from './pages/register.ts';
import type { DashboardContext, DashboardDeps } from './context.ts';

const STATIC_ROOT = fileURLToPath(new URL('./static/', import.meta.url));
const SESSION_SECONDS = 7 * 24 * 3600;
const SESSION_COOKIE = 'pa_session';

/** Whether a password (or its hash) is set: without one the home page says how to turn the dashboard on. */
export function dashboardEnabled(config: Pick<Config, 'dashboard'>): boolean {
  return passwordCheck(config.dashboard) !== null;
}

export async function registerDashboard(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const check = passwordCheck(deps.config.dashboard);
  if (!check) throw new Error('registerDashboard needs DASHBOARD_PASSWORD or DASHBOARD_PASSWORD_HASH');
  const https = deps.config.publicUrl?.startsWith('https:') ?? false;
  const key = await sessionKey(deps.config.dashboard.sessionSecret, deps.config.database.dataDir);
  const epoch = passwordEpoch(deps.config.dashboard);
  const live = createLiveHub(deps.db, app.log);
  // Before the server stops taking connections, or open event streams would hold it up.
  app.addHook('preClose', async () => live.close());

  await app.register(async (dash) => {
    await dash.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      hsts: https ? { maxAge: 15_552_000 } : false,
      referrerPolicy: { policy: 'same-origin' },
    });
    await dash.register(formbody);
    await dash.register(secureSession, {
      key,
      cookieName: SESSION_COOKIE,
      expiry: SESSION_SECONDS,
      cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: https, maxAge: SESSION_SECONDS },
    });
    await dash.register(csrfProtection, {
      sessionPlugin: '@fastify/secure-session',
      // Forms send it as a field (multipart uploads too), scripts as a header.
      getToken: (request) => {
        const field = (request.body as Record<string, unknown> | undefined)?._csrf;
        if (typeof field === 'string') return field;
        if (field && typeof field === 'object' && 'value' in field) return String(field.value);
        const header = request.headers['x-csrf-token'];
        return typeof header === 'string' ? header : undefined;
      },
    });
    await dash.register(fastifyStatic, { root: STATIC_ROOT, prefix: '/dashboard/static/', decorateReply: false, maxAge: 3_600_000 });

    // A form from an older session (or none) says so in words; everything else goes to the app's error handler.
    dash.setErrorHandler<FastifyError>((error, request, reply) => {
      if (error.code !== 'FST_CSRF_INVALID_TOKEN' && error.code !== 'FST_CSRF_MISSING_SECRET') throw error;
      const t = stringsOf(request);
      if (request.headers['x-dashboard-fetch']) return reply.code(403).send({ error: 'csrf', message: t.expired.reload });
      const body = html`<h1>${t.expired.title}</h1><p>${t.expired.text} <a href="/">${t.expired.again}</a> ${t.expired.repeat}</p>`;
      return reply.code(403).type('text/html; charset=utf-8').send(barePage(t.expired.title, body, t));
    });

    // Every state change carries the session's CSRF token; checked after the body is parsed.
    dash.addHook('preHandler', (request, reply, done) => {
      if (request.method === 'GET' || request.method === 'HEAD') return done();
      dash.csrfProtection(request, reply, done);
    });

    registerSignIn(dash, { check, epoch, rateLimits: deps.rateLimits });
    dash.get('/dashboard', async (_request, reply) => reply.redirect('/', 303));

    await dash.register(async (signedIn) => {
      signedIn.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (request.session.get('owner') === epoch) return;
        // Pages send the owner to sign in; scripts' requests and changes are refused outright.
        if (request.method === 'GET' && !request.headers['x-dashboard-fetch'] && request.headers.accept !== 'text/event-stream') {
          return reply.redirect('/dashboard/sign-in', 303);
        }
        return reply.code(401).type('text/plain; charset=utf-8').send(stringsOf(request).signIn.first);
      });
      const context: DashboardContext = {
        ...deps,
        live,
        async render(reply, section, title, body) {
          const [csrfToken, snapshot] = await Promise.all([reply.generateCsrf(), live.snapshot()]);
          const pageContext: PageContext = {
            businessName: deps.profile.name,
            csrfToken,
            liveVersion: snapshot.version,
            openMessages: snapshot.activity.openMessages,
            t: stringsOf(reply.request),
          };
          return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(pageContext, section, title, body));
        },
      };
      await registerPages(signedIn, context);
    });
  });
}
