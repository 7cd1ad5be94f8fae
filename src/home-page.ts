// GET / while the owner's dashboard is off: what this server is, where its documentation is, and how to turn the dashboard on.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { VERSION } from './version.ts';

// Relative links, so the page works behind a proxy that serves it under a path prefix.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>phone-assistant</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f2f2f2;padding:0 .2em}</style>
</head>
<body>
<h1>phone-assistant</h1>
<p>A self-hosted AI receptionist for phone calls and text messages over Twilio (version ${VERSION}).</p>
<ul>
<li><a href="docs">API documentation</a>: the <code>/v1</code> API, used with the <code>API_KEY</code> bearer key</li>
<li><a href="health">health</a>: the process is running</li>
<li><a href="ready">ready</a>: the database and the LLM answer</li>
</ul>
<p>The owner's dashboard is off: set <code>DASHBOARD_PASSWORD</code> (8 characters or more) and restart to sign in here.</p>
<p>Twilio reaches it at <code>/twilio/incoming</code>, <code>/twilio/voice</code>, <code>/twilio/status</code> and <code>/twilio/sms</code>, signed with your auth token.</p>
</body>
</html>
`;

export function registerHomePage(app: FastifyInstance): void {
  const send = (reply: FastifyReply, status: number) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      // Nothing but the page itself and its inline style may load.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(PAGE);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => send(reply, 200));
  // The dashboard's addresses say the same: how to turn it on, and nothing else.
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => send(reply, 404));
  app.get('/dashboard/*', { schema: { hide: true } }, async (_request, reply) => send(reply, 404));
}
