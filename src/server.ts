// Starts the server: loadConfig → buildApp → listen, and closes everything on SIGTERM/SIGINT.
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { createLogger } from './ops/logger.ts';
import { shutdownOnSignals } from './ops/shutdown.ts';
import { ProfileError } from './profile.ts';
import { VERSION } from './version.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const { fastify, db, pending } = await buildApp(config, { logger });

  if (!config.llm) logger.warn('no LLM configured: set OPENAI_API_KEY (or OPENAI_BASE_URL) or ANTHROPIC_API_KEY for the assistant to answer');
  if (!config.apiKey) logger.info('the /v1 API is disabled: set API_KEY to enable it');

  shutdownOnSignals({ close: () => fastify.close(), pending, logger, timeoutMs: config.shutdownTimeoutMs });

  await fastify.listen({ port: config.port, host: config.host });
  logger.info({ version: VERSION, database: db.kind, llm: config.llm?.provider ?? 'none' }, 'phone-assistant ready');
}

main().catch((error: unknown) => {
  // Configuration mistakes and a DATA_DIR taken by another process are the user's to fix: say what is wrong, without a stack trace.
  if (error instanceof ConfigError || error instanceof ProfileError || error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
