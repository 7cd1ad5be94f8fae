// Settings: the business profile read-only, the configuration's state in plain words, the URLs Twilio uses, and the dashboard's language.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Info } from 'luxon';
import { LANGUAGES, type Config } from '../../config.ts';
import { DAYS } from '../../profile.ts';
import { RELAY_ENDED_PATH, relaySocketUrl } from '../../relay/relay-twiml.ts';
import type { DashboardContext } from '../context.ts';
import { masked } from '../format.ts';
import { html, type Html } from '../html.ts';
import { isLanguage, LANGUAGE_NAMES, languageOf, stringsOf, type Strings } from '../i18n/strings.ts';
import { csrfField } from '../layout.ts';

interface State {
  name: string;
  ok: boolean;
  words: string;
}

function configurationState(config: Readonly<Config>, llmConfigured: boolean, retrieval: string, t: Strings): State[] {
  const w = t.settings.states;
  const twilio = config.twilio;
  const twilioAccount = Boolean(twilio.accountSid && twilio.authToken && twilio.phoneNumber);
  return [
    { name: w.llm, ok: llmConfigured, words: config.llm ? w.llmModel(config.llm.provider, config.llm.model, config.llm.baseUrl ?? '') : w.llmMissing },
    {
      name: w.twilio,
      ok: Boolean(twilio.authToken) && twilio.validateRequests,
      words: !twilio.validateRequests ? w.unchecked : twilio.authToken ? `${w.checked} ${twilioAccount ? w.textsFrom(twilio.phoneNumber!) : w.noTexts}` : w.noToken,
    },
    { name: w.publicAddress, ok: Boolean(config.publicUrl), words: config.publicUrl ?? w.noPublicUrl },
    { name: w.database, ok: true, words: config.database.url ? 'PostgreSQL (DATABASE_URL)' : w.embedded(config.database.dataDir) },
    { name: w.retrieval, ok: true, words: retrieval },
    {
      name: w.webhooks,
      ok: true,
      words: config.businessWebhook ? w.webhooksTo(new URL(config.businessWebhook.url).origin) : w.notConfigured('BUSINESS_WEBHOOK_URL'),
    },
    { name: w.ownerSms, ok: true, words: config.ownerNotifyNumber ? w.sentTo(masked(config.ownerNotifyNumber)) : w.notConfigured('OWNER_NOTIFY_NUMBER') },
    { name: w.api, ok: true, words: config.apiKey ? w.apiOn : w.apiOff },
  ];
}

/** The address Twilio should call: PUBLIC_URL, else the one this page was opened at. */
function baseUrl(config: Readonly<Config>, request: FastifyRequest): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function registerSettings(app: FastifyInstance, context: DashboardContext): void {
  const { profile, config } = context;
  app.get('/dashboard/settings', async (request, reply) => {
    const t = stringsOf(request);
    const w = t.settings;
    const chosen = request.session.get('language');
    const base = baseUrl(config, request);
    const states = configurationState(config, context.llmConfigured, context.knowledge.description, t);
    const url = (path: string): Html => html`<code class="copy">${base}${path}</code>`;
    const dayNames = Info.weekdays('long', { locale: t.locale });
    const csrfToken = await reply.generateCsrf();
    const body = html`
<section class="card">
<h2>${w.twilioConsole}</h2>
<p>${w.whereInConsole}</p>
<dl class="facts">
<dt>${w.callComesIn}</dt><dd>${w.webhookPost} ${url('/twilio/incoming')}</dd>
<dt>${w.statusChanges}</dt><dd>${url('/twilio/status')}</dd>
<dt>${w.messageComesIn}</dt><dd>${w.webhookPost} ${url('/twilio/sms')}</dd>
</dl>
${config.publicUrl ? '' : html`<p class="problem">${w.noPublicUrl}</p>`}
</section>
<section class="card" id="relay">
<h2>${w.relay}</h2>
<p>${w.relayMode(config.voiceMode === 'relay')}</p>
<dl class="facts">
<dt>${w.relaySocket}</dt><dd><code class="copy">${relaySocketUrl(base)}</code></dd>
<dt>${w.relayAction}</dt><dd>${url(RELAY_ENDED_PATH)}</dd>
</dl>
<p class="muted">${w.relayNote}</p>
</section>
<section class="card">
<h2>${w.configuration}</h2>
<ul class="states">${states.map((s) => html`<li class="${s.ok ? 'ok' : 'bad'}"><strong>${s.name}</strong>: ${s.words}</li>`)}</ul>
<p class="muted">${w.changeThese}</p>
</section>
<section class="card">
<h2>${w.dashboardLanguage}</h2>
<form method="post" action="/dashboard/language" class="filters">
${csrfField(csrfToken)}
<label>${t.common.language} <select name="language">${[html`<option value="">${w.fromBrowser}</option>`, ...LANGUAGES.map((l) => html`<option value="${l}"${l === chosen ? html` selected` : ''}>${LANGUAGE_NAMES[l]}</option>`)]}</select></label>
<button type="submit">${w.save}</button>
</form>
</section>
<section class="card">
<h2>${w.profile}</h2>
<p class="muted">${w.readFrom(config.assistantProfilePath)}</p>
<dl class="facts">
<dt>${w.name}</dt><dd>${profile.name}</dd>
<dt>${w.timeZone}</dt><dd>${profile.timezone}</dd>
<dt>${w.transferNumber}</dt><dd>${profile.transfer_number ? masked(profile.transfer_number) : w.noTransfer}</dd>
<dt>${w.hours}</dt><dd><ul class="plain">${DAYS.map((day, i) => html`<li>${dayNames[i]}: ${profile.hours[day] ?? w.closed}</li>`)}</ul></dd>
<dt>${w.services}</dt><dd>${
      profile.services.length === 0
        ? w.noServices
        : html`<ul class="plain">${profile.services.map((s) => html`<li>${s.name} (${w.minutes(s.duration_minutes)}${s.price ? `, ${s.price}` : ''})</li>`)}</ul>`
    }</dd>
<dt>${w.greeting}</dt><dd>${profile.greetings[languageOf(request)]}</dd>
</dl>
</section>`;
    return context.render(reply, 'settings', t.nav.settings, body);
  });

  // The owner's choice of the dashboard's language, kept in the session; empty goes back to the browser's.
  app.post('/dashboard/language', async (request, reply) => {
    const language = (request.body as Record<string, unknown> | undefined)?.language;
    request.session.set('language', isLanguage(language) ? language : undefined);
    return reply.redirect('/dashboard/settings', 303);
  });
}
