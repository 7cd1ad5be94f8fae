// The environment as loadConfig reads it: every variable, its default and its rule, as one zod schema.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isE164 } from './phone.ts';

export const LANGUAGES = ['en', 'ru', 'uk', 'sk'] as const;
export type Language = (typeof LANGUAGES)[number];

const SAMPLE_PROFILE = fileURLToPath(new URL('../profiles/sample.yaml', import.meta.url));

// An empty variable (common in .env files and compose templates) means "not set".
const optionalText = z.string().trim().optional().transform((v) => (v ? v : undefined));

const flag = (fallback: boolean) =>
  optionalText.pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v))),
  );

const integer = (fallback: number, min: number, max: number) =>
  optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
      .transform(Number)
      .pipe(z.number().min(min, { error: `must be a whole number from ${min} to ${max}` }).max(max, { error: `must be a whole number from ${min} to ${max}` }))
      .optional()
      .transform((v) => v ?? fallback),
  );

const url = (protocols: string[], rule: string) =>
  optionalText.pipe(
    z
      .string()
      .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), { error: rule })
      .transform((v) => v.replace(/\/+$/, ''))
      .optional(),
  );

const httpUrl = url(['http:', 'https:'], 'must be an http(s) URL such as https://example.com');

export const envSchema = z.object({
  NODE_ENV: optionalText.pipe(
    z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  ),
  PORT: integer(3000, 0, 65535),
  HOST: optionalText.transform((v) => v ?? '0.0.0.0'),
  PUBLIC_URL: httpUrl,
  TRUST_PROXY: flag(false),
  TWILIO_ACCOUNT_SID: optionalText.pipe(
    z.string().regex(/^AC[0-9a-fA-F]{32}$/, { error: 'must start with AC and have 32 hex digits' }).optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalText.pipe(
    z.string().regex(/^[0-9a-fA-F]{32}$/, { error: 'must be 32 hex digits (Console → Account → API keys & tokens)' }).optional(),
  ),
  TWILIO_PHONE_NUMBER: optionalText.pipe(
    z.string().refine(isE164, { error: 'must be a phone number in E.164 format, such as +14155551234' }).optional(),
  ),
  VALIDATE_TWILIO_REQUESTS: flag(true),
  TWILIO_API_BASE_URL: httpUrl,
  OWNER_NOTIFY_NUMBER: optionalText.pipe(
    z.string().refine(isE164, { error: 'must be a phone number in E.164 format, such as +14155551234' }).optional(),
  ),
  TWILIO_REPLY_DEADLINE_MS: integer(6_000, 500, 12_000),
  VOICE_MODE: optionalText.pipe(z.enum(['gather', 'relay'], { error: 'must be gather or relay' }).default('gather')),
  RELAY_SILENCE_TIMEOUT_MS: integer(8_000, 100, 120_000),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'must be a postgres:// or postgresql:// URL'),
  DATA_DIR: optionalText.transform((v) => path.resolve(v ?? './data')),
  DB_POOL_SIZE: integer(5, 1, 200),
  DB_POOL_MAX_OVERFLOW: integer(5, 0, 200),
  DB_POOL_IDLE_TIMEOUT_MS: integer(10_000, 100, 3_600_000),
  DB_POOL_ACQUIRE_TIMEOUT_MS: integer(2_000, 50, 60_000),
  DB_QUERY_TIMEOUT_MS: integer(3_000, 100, 3_600_000),
  DB_STATEMENT_TIMEOUT_MS: integer(2_500, 50, 3_600_000),
  SPOOL_REPLAY_INTERVAL_MS: integer(5_000, 100, 3_600_000),
  OUTBOX_POLL_INTERVAL_MS: integer(2_000, 50, 3_600_000),
  BUSINESS_WEBHOOK_URL: httpUrl,
  BUSINESS_WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, { error: 'must be at least 16 characters' }).optional()),
  REDIS_URL: url(['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL'),
  LLM_PROVIDER: optionalText.pipe(z.enum(['openai', 'anthropic'], { error: 'must be openai or anthropic' }).optional()),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: httpUrl,
  OPENAI_MODEL: optionalText.transform((v) => v ?? 'gpt-4.1-mini'),
  ANTHROPIC_API_KEY: optionalText.pipe(z.string().startsWith('sk-ant-', { error: 'must start with sk-ant-' }).optional()),
  ANTHROPIC_BASE_URL: httpUrl,
  ANTHROPIC_MODEL: optionalText.transform((v) => v ?? 'claude-haiku-4-5'),
  LLM_TURN_TIMEOUT_MS: integer(10_000, 500, 120_000),
  LLM_STREAMING: flag(true),
  QDRANT_URL: httpUrl,
  QDRANT_API_KEY: optionalText,
  QDRANT_COLLECTION: optionalText.pipe(
    z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'must be letters, digits, _ or -' }).default('phone_assistant_knowledge'),
  ),
  EMBEDDING_MODEL: optionalText.transform((v) => v ?? 'text-embedding-3-small'),
  EMBEDDING_BASE_URL: httpUrl,
  EMBEDDING_API_KEY: optionalText,
  KNOWLEDGE_CHUNK_SIZE: integer(800, 200, 8_000),
  KNOWLEDGE_CHUNK_OVERLAP: integer(120, 0, 2_000),
  KNOWLEDGE_MAX_DOCUMENT_BYTES: integer(10 * 1024 * 1024, 1_024, 200 * 1024 * 1024),
  KNOWLEDGE_PASSAGES: integer(3, 1, 20),
  KNOWLEDGE_MIN_SIMILARITY: optionalText.pipe(
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, { error: 'must be a number from -1 to 1, such as 0.35' })
      .transform(Number)
      .pipe(z.number().min(-1, { error: 'must be a number from -1 to 1' }).max(1, { error: 'must be a number from -1 to 1' }))
      .optional()
      .transform((v) => v ?? 0.35),
  ),
  KNOWLEDGE_RETRIEVAL_DEADLINE_MS: integer(400, 10, 10_000),
  DASHBOARD_PASSWORD: optionalText.pipe(z.string().min(8, { error: 'must be at least 8 characters' }).optional()),
  DASHBOARD_PASSWORD_HASH: optionalText.pipe(
    z
      .string()
      .regex(/^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$/, { error: 'must be scrypt:<32 hex salt>:<64 hex hash>, as the README shows how to make' })
      .optional(),
  ),
  DASHBOARD_SESSION_SECRET: optionalText.pipe(z.string().min(32, { error: 'must be at least 32 characters' }).optional()),
  API_KEY: optionalText.pipe(z.string().min(16, { error: 'must be at least 16 characters' }).optional()),
  CALENDAR_FEED_TOKEN: optionalText.pipe(z.string().min(16, { error: 'must be at least 16 characters' }).optional()),
  ASSISTANT_PROFILE: optionalText.transform((v) => (v ? path.resolve(v) : SAMPLE_PROFILE)),
  DEFAULT_LANGUAGE: optionalText.pipe(z.enum(LANGUAGES, { error: 'must be one of en, ru, uk, sk' }).default('en')),
  MAX_CONVERSATION_LENGTH: integer(50, 2, 10_000),
  RATE_LIMIT_CALLER_PER_MINUTE: integer(30, 1, 100_000),
  RATE_LIMIT_API_PER_MINUTE: integer(120, 1, 1_000_000),
  SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 120_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(10_000, 1_000, 600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(75_000, 1_000, 3_600_000),
  LOG_LEVEL: optionalText.pipe(
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
});

export type Env = z.infer<typeof envSchema>;

/** Every variable loadConfig reads. */
export const KNOWN_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
