// Settings: the business profile read-only, the configuration's state in plain words, and the URLs to paste into Twilio's console.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { DAYS } from '../../profile.ts';
import type { DashboardContext } from '../context.ts';
import { masked } from '../format.ts';
import { html, type Html } from '../html.ts';

interface State {
  name: string;
  ok: boolean;
  words: string;
}

function configurationState(config: Readonly<Config>, llmConfigured: boolean, retrieval: string): State[] {
  const twilio = config.twilio;
  const twilioAccount = Boolean(twilio.accountSid && twilio.authToken && twilio.phoneNumber);
  return [
    {
      name: 'Assistant (LLM)',
      ok: llmConfigured,
      words: config.llm
        ? `${config.llm.provider}, model ${config.llm.model}${config.llm.baseUrl ? ` at ${config.llm.baseUrl}` : ''}`
        : 'Not configured: the assistant cannot answer. Set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) or ANTHROPIC_API_KEY.',
    },
    {
      name: 'Twilio',
      ok: Boolean(twilio.authToken) && twilio.validateRequests,
      words: !twilio.validateRequests
        ? 'Signature checks are OFF (VALIDATE_TWILIO_REQUESTS=false): anyone can pose as Twilio.'
        : twilio.authToken
          ? `Requests are checked with your auth token.${twilioAccount ? ` Texts are sent from ${twilio.phoneNumber}.` : ' Set TWILIO_ACCOUNT_SID and TWILIO_PHONE_NUMBER to send confirmations by SMS.'}`
          : 'TWILIO_AUTH_TOKEN is not set: only local tools (the simulator) can call in; real Twilio requests are refused.',
    },
    {
      name: 'Public address',
      ok: Boolean(config.publicUrl),
      words: config.publicUrl ? config.publicUrl : 'PUBLIC_URL is not set: Twilio signatures are checked against the address each request names.',
    },
    {
      name: 'Database',
      ok: true,
      words: config.database.url ? 'PostgreSQL (DATABASE_URL)' : `Embedded (PGlite) in ${config.database.dataDir}`,
    },
    { name: 'Knowledge retrieval', ok: true, words: retrieval },
    {
      name: 'Business webhooks',
      ok: true,
      words: config.businessWebhook ? `Events are sent to ${new URL(config.businessWebhook.url).origin}…, signed.` : 'Not configured (BUSINESS_WEBHOOK_URL).',
    },
    {
      name: 'Owner notices by SMS',
      ok: true,
      words: config.ownerNotifyNumber ? `Sent to ${masked(config.ownerNotifyNumber)}.` : 'Not configured (OWNER_NOTIFY_NUMBER).',
    },
    { name: 'API (/v1)', ok: true, words: config.apiKey ? 'On, with the bearer key API_KEY.' : 'Off: set API_KEY to use it.' },
  ];
}

/** The address Twilio should call: PUBLIC_URL, else the one this page was opened at. */
function baseUrl(config: Readonly<Config>, request: FastifyRequest): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function registerSettings(app: FastifyInstance, context: DashboardContext): void {
  const { profile, config } = context;
  app.get('/dashboard/settings', async (request, reply) => {
    const base = baseUrl(config, request);
    const states = configurationState(config, context.llmConfigured, context.knowledge.description);
    const url = (path: string): Html => html`<code class="copy">${base}${path}</code>`;
    const body = html`
<section class="card">
<h2>Twilio console</h2>
<p>In Phone Numbers → your number → Configure:</p>
<dl class="facts">
<dt>A call comes in</dt><dd>Webhook, HTTP POST ${url('/twilio/incoming')}</dd>
<dt>Call status changes</dt><dd>${url('/twilio/status')}</dd>
<dt>A message comes in</dt><dd>Webhook, HTTP POST ${url('/twilio/sms')}</dd>
</dl>
${config.publicUrl ? '' : html`<p class="problem">PUBLIC_URL is not set, so these use the address this page was opened at. Set PUBLIC_URL to the address Twilio reaches.</p>`}
</section>
<section class="card">
<h2>Configuration</h2>
<ul class="states">${states.map((s) => html`<li class="${s.ok ? 'ok' : 'bad'}"><strong>${s.name}</strong>: ${s.words}</li>`)}</ul>
<p class="muted">Change these in the environment (or .env) and restart.</p>
</section>
<section class="card">
<h2>Business profile</h2>
<p class="muted">Read from ${config.assistantProfilePath}; edit that file and restart to change it.</p>
<dl class="facts">
<dt>Name</dt><dd>${profile.name}</dd>
<dt>Time zone</dt><dd>${profile.timezone}</dd>
<dt>Transfer number</dt><dd>${profile.transfer_number ? masked(profile.transfer_number) : 'none: callers who ask for a person leave a message'}</dd>
<dt>Hours</dt><dd><ul class="plain">${DAYS.map((day) => html`<li>${day}: ${profile.hours[day] ?? 'closed'}</li>`)}</ul></dd>
<dt>Services</dt><dd>${
      profile.services.length === 0
        ? 'none'
        : html`<ul class="plain">${profile.services.map((s) => html`<li>${s.name} (${s.duration_minutes} min${s.price ? `, ${s.price}` : ''})</li>`)}</ul>`
    }</dd>
<dt>Greeting (en)</dt><dd>${profile.greetings.en}</dd>
</dl>
</section>`;
    return context.render(reply, 'settings', 'Settings', body);
  });
}
