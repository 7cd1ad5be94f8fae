// buildApp: wires configuration and dependencies into a Fastify app with every route.
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { LanguageModel } from 'ai';
import type { Logger } from 'pino';
import { registerAppointmentsFeed, registerAppointmentsRoutes } from './api/appointments-routes.ts';
import { bearerAuth } from './api/bearer-auth.ts';
import { registerCallsRoutes } from './api/calls-routes.ts';
import { registerCustomersRoutes } from './api/customers-routes.ts';
import { registerKnowledgeRoutes } from './api/knowledge-routes.ts';
import { registerMessagesRoutes } from './api/messages-routes.ts';
import { registerOpenApi } from './api/openapi.ts';
import { registerTextRoute } from './api/text-route.ts';
import { registerTtsRoute } from './api/tts-route.ts';
import { createAssistant, type Assistant } from './assistant/engine.ts';
import { loadPromptTemplates } from './assistant/system-prompt.ts';
import { createSmsBookingNotifier } from './booking/confirmation-sms.ts';
import type { Config } from './config.ts';
import type { Db } from './db/db.ts';
import { openDb } from './db/open-db.ts';
import { dashboardEnabled, registerDashboard } from './dashboard/dashboard.ts';
import { registerHomePage } from './home-page.ts';
import { openSpool } from './jobs/spool.ts';
import { startSpoolReplayer } from './jobs/spool-replayer.ts';
import { startOutboxWorker, type OutboxWorker } from './jobs/outbox-worker.ts';
import { OWNER_SMS_JOB, WEBHOOK_JOB } from './jobs/business-events.ts';
import { ownerSmsHandler } from './jobs/owner-sms.ts';
import { SMS_SEND_JOB, smsSendHandler } from './jobs/outgoing-sms.ts';
import { webhookHandler } from './jobs/webhook-delivery.ts';
import { nameServerSpansByRoute } from './telemetry/route-span-name.ts';
import { SUMMARY_JOB, summaryHandler } from './jobs/summaries.ts';
import { createLanguageModel } from './llm/provider.ts';
import { createKnowledgeBase, type KnowledgeBase } from './knowledge/knowledge-base.ts';
import { observedKnowledge } from './knowledge/observed.ts';
import { registerErrorHandler } from './ops/error-handler.ts';
import { registerHealthRoutes } from './ops/health-routes.ts';
import { httpLimits } from './ops/http-limits.ts';
import { trackInFlight, type PendingWork } from './ops/in-flight.ts';
import { createLogger } from './ops/logger.ts';
import { createMetrics, type Metrics } from './ops/metrics.ts';
import { registerMetrics } from './ops/metrics-route.ts';
import { registerRateLimits } from './ops/rate-limit.ts';
import { databaseProbe, databaseVectorsProbe, llmProbe, qdrantProbe, runChecks, type Readiness } from './ops/readiness.ts';
import { registerRequestLog, requestId } from './ops/request-log.ts';
import { loadProfile, type Profile } from './profile.ts';
import { resolveTwilioAuthToken } from './twilio/dev-token.ts';
import { createSmsSender, createTwilioRestClient, type SmsSender } from './twilio/rest-client.ts';
import { registerTwilioRoutes } from './twilio/routes.ts';

export interface AppDeps {
  /** Opened (and migrated) from `config.database` when absent, and then closed with the app. */
  db?: Db;
  logger?: Logger;
  profile?: Profile;
  /** Overrides the model built from `config.llm`. */
  model?: LanguageModel | null;
}

export interface App {
  fastify: FastifyInstance;
  assistant: Assistant;
  db: Db;
  knowledge: KnowledgeBase;
  metrics: Metrics;
  /** Background jobs in the database: business webhooks, summaries, texts to callers and the owner. */
  outbox: OutboxWorker;
  /** Requests and voice turns still running: what a shutdown past its bound cuts off. */
  pending(): PendingWork;
  /** The checks GET /ready runs, for saying at start what is not ready. */
  checkReadiness(): Promise<Readiness>;
}

export async function buildApp(config: Readonly<Config>, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? createLogger(config);
  const profile = deps.profile ?? (await loadProfile(config.assistantProfilePath));
  const db = deps.db ?? (await openDb(config.database, logger));
  const model = deps.model !== undefined ? deps.model : config.llm ? createLanguageModel(config.llm) : null;

  // Typed as Fastify's base logger so route modules need not know the logger's implementation.
  // One line per request, from registerRequestLog, instead of Fastify's two.
  const fastify: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: config.trustProxy,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    ...httpLimits(config),
  });
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(fastify);
  nameServerSpansByRoute(fastify);
  // Before every route: the OpenAPI document only lists routes added after it.
  await registerOpenApi(fastify);
  const inFlight = new Set<Promise<unknown>>();
  const tracked = trackInFlight(fastify, inFlight);
  // Webhooks that could not reach the database wait here, on disk, until it takes them.
  const spool = await openSpool(path.join(config.database.dataDir, 'spool'));
  const replayer = startSpoolReplayer({ spool, db, log: logger, intervalMs: config.spoolReplayIntervalMs });
  const twilioSms = twilioSmsSender(config);
  const outbox = startOutboxWorker({
    db,
    log: logger,
    pollIntervalMs: config.outboxPollIntervalMs,
    handlers: {
      [WEBHOOK_JOB]: webhookHandler(config.businessWebhook, logger),
      [SUMMARY_JOB]: summaryHandler({ db, model, log: logger, language: config.defaultLanguage }),
      [OWNER_SMS_JOB]: ownerSmsHandler({ sms: twilioSms, to: config.ownerNotifyNumber, log: logger }),
      [SMS_SEND_JOB]: smsSendHandler({ db, sms: twilioSms, log: logger }),
    },
  });
  fastify.addHook('onClose', async () => {
    await replayer.stop();
    await outbox.stop();
    // Handlers and voice turns still running (their callers may have gone) finish before the pool closes.
    await tracked.drained();
    if (!deps.db) await db.close();
  });
  const metrics = createMetrics({
    db,
    provider: config.llm?.provider ?? null,
    onCollectError: (err, failed) => logger.warn({ err }, `${failed} for /metrics`),
  });
  registerMetrics(fastify, metrics);
  registerRequestLog(fastify);

  const knowledge = observedKnowledge(createKnowledgeBase({ db, config, log: logger, observer: metrics }), metrics);
  logger.info({ retrieval: knowledge.description }, 'knowledge base ready');

  // Without a Twilio account the confirmations are still recorded (not_configured), to show what would have gone.
  const bookingNotifier = createSmsBookingNotifier({
    businessName: profile.name,
    timeZone: profile.timezone,
    sendingConfigured: twilioSms !== null,
    wake: () => outbox.nudge(),
    log: logger,
  });
  const assistant = createAssistant({
    db,
    model,
    profile,
    prompts: loadPromptTemplates(),
    log: logger,
    maxConversationLength: config.maxConversationLength,
    turnTimeoutMs: config.llmTurnTimeoutMs,
    streaming: config.llmStreaming,
    observer: metrics,
    knowledge: {
      source: { search: (query, language, signal, onEmbeddingWait) => knowledge.search(query, language, config.knowledge.passages, signal, onEmbeddingWait) },
      deadlineMs: config.knowledge.retrievalDeadlineMs,
    },
    bookingNotifier,
  });

  const probes = {
    database: databaseProbe(db),
    llm: config.llm ? llmProbe(config.llm) : null,
    vector_store: config.qdrant.url ? qdrantProbe(config.qdrant) : config.knowledge.embedding ? databaseVectorsProbe(db) : null,
  };
  registerHealthRoutes(fastify, probes, { vector_store: knowledge.description });
  // The owner's dashboard takes / once it has a password; until then / says how to turn it on.
  const dashboard = dashboardEnabled(config);
  if (!dashboard) registerHomePage(fastify);

  const rateLimits = await registerRateLimits(fastify, config, { onLimited: metrics.rateLimited });
  if (dashboard) {
    await registerDashboard(fastify, { db, knowledge, assistant, profile, config, llmConfigured: model !== null, rateLimits });
  }
  await registerTwilioRoutes(fastify, config, {
    db,
    assistant,
    profile,
    transferCallerId: config.twilio.phoneNumber,
    llmConfigured: model !== null,
    defaultLanguage: config.defaultLanguage,
    replyDeadlineMs: config.twilio.replyDeadlineMs,
    turnTimeoutMs: config.llmTurnTimeoutMs,
    inFlight,
    spool,
    authToken: await resolveTwilioAuthToken(config, logger),
    limitCaller: rateLimits.caller,
    limitCallerTurn: rateLimits.callerTurn,
    observeTokenDelay: metrics.relayTokenWritten,
  });

  const appointmentsDeps = { db, timeZone: profile.timezone, businessName: profile.name, calendarFeedToken: config.calendarFeedToken };
  await fastify.register(async (api) => {
    // Before the key check, so requests without a key are limited too (by address).
    api.addHook('onRequest', rateLimits.api);
    api.addHook('onRequest', bearerAuth(config.apiKey));
    registerTextRoute(api, { db, assistant, llmConfigured: model !== null, defaultLanguage: config.defaultLanguage });
    registerCallsRoutes(api, { db });
    registerMessagesRoutes(api, { db });
    registerTtsRoute(api, { speech: config.speech });
    await registerKnowledgeRoutes(api, { knowledge, maxDocumentBytes: config.knowledge.maxDocumentBytes, defaultLanguage: config.defaultLanguage });
    registerCustomersRoutes(api, { db, timeZone: profile.timezone });
    registerAppointmentsRoutes(api, appointmentsDeps);
  });
  await fastify.register(async (feed) => {
    feed.addHook('onRequest', rateLimits.api);
    registerAppointmentsFeed(feed, appointmentsDeps);
  });

  return { fastify, assistant, db, knowledge, metrics, outbox, pending: tracked.pending, checkReadiness: () => runChecks(probes) };
}

/** Outgoing SMS (booking confirmations, the owner's notices) once the Twilio account and number are known; else none. */
function twilioSmsSender(config: Readonly<Config>): SmsSender | null {
  const { accountSid, authToken, phoneNumber, apiBaseUrl } = config.twilio;
  if (!accountSid || !authToken || !phoneNumber) return null;
  return createSmsSender(createTwilioRestClient({ accountSid, authToken, apiBaseUrl }), phoneNumber);
}
