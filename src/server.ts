// Starts the server: loadConfig → open the database → buildApp → listen, and closes everything on SIGTERM/SIGINT.
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { buildApp, type App } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDb } from './db/open-db.ts';
import { announceServerUrl, DataDirLockedError } from './db/data-dir-lock.ts';
import { createLogger } from './ops/logger.ts';
import { shutdownOnSignals } from './ops/shutdown.ts';
import { flushTracing } from './telemetry/state.ts';
import { ProfileError } from './profile.ts';
import { describeDatabaseFailure, describeListenFailure, StartupError } from './startup-errors.ts';
import { VERSION } from './version.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);

  const db = await openDb(config.database, logger).catch((error: unknown) => {
    throw describeDatabaseFailure(config, error);
  });
  let app: App;
  try {
    app = await buildApp(config, { logger, db });
  } catch (error) {
    await db.close();
    throw error;
  }
  const { fastify } = app;
  const close = async () => {
    await fastify.close();
    await db.close();
    // The last turns' spans are still in the batch: sent before the process exits (nothing to do with tracing off).
    await flushTracing();
  };

  if (!config.llm) logger.warn('no LLM configured: set OPENAI_API_KEY (or OPENAI_BASE_URL) or ANTHROPIC_API_KEY for the assistant to answer');
  if (!config.apiKey) logger.info('the /v1 API is disabled: set API_KEY to enable it');

  shutdownOnSignals({ close, pending: app.pending, logger, timeoutMs: config.shutdownTimeoutMs });

  try {
    await fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    await close();
    throw describeListenFailure(config, error);
  }
  // `phone-assistant knowledge` cannot open the embedded database this process holds: it finds the API here instead.
  if (db.kind === 'pglite') announceServerUrl(config.database.dataDir, localUrl(fastify.server.address()));
  logger.info({ version: VERSION, database: db.kind, llm: config.llm?.provider ?? 'none' }, 'phone-assistant ready');
  void reportReadiness(app, logger);
  // Loading the knowledge base's index reads every passage: better now than in the first caller's turn.
  app.knowledge.prepare().catch((error: unknown) => logger.warn({ err: error }, 'knowledge: the search index could not be loaded ahead of the first turn; the first search tries again'));
}

/** The URL a command on this machine reaches the server at: loopback when it listens on every address. */
function localUrl(address: ReturnType<Server['address']>): string {
  if (address === null || typeof address === 'string') throw new Error(`the server listens on ${String(address)}, not on a TCP port`);
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** What GET /ready would say, once at start: a rejected LLM key or an unreachable store is seen before the first call. */
async function reportReadiness(app: App, logger: Logger): Promise<void> {
  const { checks } = await app.checkReadiness();
  for (const [name, result] of Object.entries(checks)) {
    if (result.status === 'error') logger.warn({ check: name, reason: result.error }, `${name} is not ready: ${result.error} (GET /ready checks again)`);
  }
}

main().catch((error: unknown) => {
  // Mistakes the user can fix (a DATA_DIR another process holds among them) are said plainly, without a stack trace;
  // anything else keeps its stack for a bug report.
  if (error instanceof ConfigError || error instanceof ProfileError || error instanceof StartupError || error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
