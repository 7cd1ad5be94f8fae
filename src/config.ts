// loadConfig: the only reader of the environment; validates it and returns a frozen, typed config.
import { lookalikeWarnings } from './config-lookalikes.ts';
import { envSchema, KNOWN_VARIABLES, type Env, type Language } from './env-schema.ts';

// Where most of the project has always found them.
export { KNOWN_VARIABLES, LANGUAGES, type Language } from './env-schema.ts';

/** Every problem found in the environment, one line each, naming the variable and the rule. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type LlmConfig =
  | { provider: 'openai'; apiKey: string | undefined; baseUrl: string | undefined; model: string }
  | { provider: 'anthropic'; apiKey: string; baseUrl: string | undefined; model: string };

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** How calls are answered unless the number's webhook URL says otherwise: turn by turn (`<Gather>`) or streamed (ConversationRelay). */
  voiceMode: 'gather' | 'relay';
  /** On a streamed call, how long the caller may stay silent after a reply has been spoken before being asked again. */
  relaySilenceTimeoutMs: number;
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    phoneNumber: string | undefined;
    validateRequests: boolean;
    /** How long a voice webhook waits for the reply before saying a holding phrase (Twilio gives up at 15 s). */
    replyDeadlineMs: number;
    /** Where the REST API (outgoing SMS, call control) is reached; Twilio's own unless a test points it elsewhere. */
    apiBaseUrl: string;
  };
  database: {
    url: string | undefined;
    dataDir: string;
    poolSize: number;
    poolMaxOverflow: number;
    poolIdleTimeoutMs: number;
    poolAcquireTimeoutMs: number;
    /** No answer to a statement within this: the connection is dropped and the request answers its fallback. */
    queryTimeoutMs: number;
    /** PostgreSQL's statement_timeout, below queryTimeoutMs: a slow but live server cancels the statement itself. */
    statementTimeoutMs: number;
  };
  /** How often webhooks kept in DATA_DIR/spool during a database outage are offered to the database again. */
  spoolReplayIntervalMs: number;
  /** How often the outbox (business webhooks, summaries) is polled for due jobs. */
  outboxPollIntervalMs: number;
  /** Where events for the business are POSTed, signed with `secret`; null when not configured. */
  businessWebhook: { url: string; secret: string } | null;
  /** The owner's phone, texted when a caller asks for a call-back or a hand-over fails. */
  ownerNotifyNumber: string | undefined;
  redisUrl: string | undefined;
  /** null when no provider is configured: the assistant then cannot answer by itself. */
  llm: LlmConfig | null;
  llmTurnTimeoutMs: number;
  llmStreaming: boolean;
  qdrant: { url: string | undefined; apiKey: string | undefined; collection: string };
  knowledge: KnowledgeConfig;
  apiKey: string | undefined;
  /** The owner's dashboard: on when a password or its hash is set (the hash wins when both are). */
  dashboard: DashboardConfig;
  /** The read-only token of GET /v1/appointments.ics; unset, the feed is off. */
  calendarFeedToken: string | undefined;
  assistantProfilePath: string;
  defaultLanguage: Language;
  maxConversationLength: number;
  /** Voice turns plus SMS per caller number, and requests per /v1 client, in a minute. */
  rateLimits: { callerPerMinute: number; apiPerMinute: number };
  /** Speech synthesis through the OpenAI-compatible endpoint; null when it is not configured. */
  speech: { apiKey: string | undefined; baseUrl: string | undefined } | null;
  /** How long shutdown waits for requests and turns in flight before closing anyway. */
  shutdownTimeoutMs: number;
  http: {
    /** The longest a client may take to send a whole request, headers and body; past it 408 and the socket is closed. */
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open: longer than the load balancer's idle timeout. */
    keepAliveTimeoutMs: number;
  };
  logLevel: Env['LOG_LEVEL'];
  /** Set variables that look like misspellings of ours (names only, never values): said at start. */
  warnings: readonly string[];
}

export interface DashboardConfig {
  password: string | undefined;
  /** scrypt:<salt hex>:<hash hex> */
  passwordHash: string | undefined;
  /** The session cookie's key comes from it; unset, from a key file in DATA_DIR. */
  sessionSecret: string | undefined;
}

export interface KnowledgeConfig {
  /** null without an OpenAI-compatible endpoint: retrieval is then full-text only. */
  embedding: { model: string; baseUrl: string | undefined; apiKey: string | undefined } | null;
  chunkSizeChars: number;
  chunkOverlapChars: number;
  maxDocumentBytes: number;
  /** Passages given to the model before each turn. */
  passages: number;
  /** Least cosine similarity for a passage found by its vector alone. */
  minSimilarity: number;
  /** How long a turn waits for its passages before going on without them. */
  retrievalDeadlineMs: number;
}

// Embeddings come from EMBEDDING_BASE_URL, else from the OpenAI-compatible LLM endpoint (Anthropic has none).
function pickEmbedding(env: Env, llm: LlmConfig | null): KnowledgeConfig['embedding'] {
  if (env.EMBEDDING_BASE_URL || env.EMBEDDING_API_KEY) {
    return { model: env.EMBEDDING_MODEL, baseUrl: env.EMBEDDING_BASE_URL ?? env.OPENAI_BASE_URL, apiKey: env.EMBEDDING_API_KEY ?? env.OPENAI_API_KEY };
  }
  if (llm?.provider === 'openai') return { model: env.EMBEDDING_MODEL, baseUrl: llm.baseUrl, apiKey: llm.apiKey };
  return null;
}

function pickLlm(env: Env, problems: string[]): LlmConfig | null {
  const openaiConfigured = Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
  const provider = env.LLM_PROVIDER ?? (env.ANTHROPIC_API_KEY && !openaiConfigured ? 'anthropic' : openaiConfigured ? 'openai' : null);
  if (provider === 'anthropic') {
    if (!env.ANTHROPIC_API_KEY) {
      problems.push('ANTHROPIC_API_KEY is required when LLM_PROVIDER is anthropic');
      return null;
    }
    return { provider, apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, model: env.ANTHROPIC_MODEL };
  }
  if (provider === 'openai') {
    if (!openaiConfigured) {
      problems.push('OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) is required when LLM_PROVIDER is openai');
      return null;
    }
    return { provider, apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL };
  }
  return null;
}

function pickBusinessWebhook(env: Env, problems: string[]): Config['businessWebhook'] {
  if (!env.BUSINESS_WEBHOOK_URL) return null;
  if (!env.BUSINESS_WEBHOOK_SECRET) {
    problems.push('BUSINESS_WEBHOOK_SECRET is required when BUSINESS_WEBHOOK_URL is set: events are signed with it');
    return null;
  }
  return { url: env.BUSINESS_WEBHOOK_URL, secret: env.BUSINESS_WEBHOOK_SECRET };
}

function checkOwnerNotify(env: Env, problems: string[]): void {
  if (env.OWNER_NOTIFY_NUMBER && !(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_PHONE_NUMBER)) {
    problems.push('OWNER_NOTIFY_NUMBER needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER to send the texts');
  }
}

function checkProduction(env: Env, problems: string[]): void {
  if (env.NODE_ENV !== 'production') return;
  if (!env.VALIDATE_TWILIO_REQUESTS) problems.push('VALIDATE_TWILIO_REQUESTS cannot be false in production');
  if (!env.TWILIO_AUTH_TOKEN) problems.push('TWILIO_AUTH_TOKEN is required in production');
}

function checkKnowledge(env: Env, problems: string[]): void {
  if (env.KNOWLEDGE_CHUNK_OVERLAP >= env.KNOWLEDGE_CHUNK_SIZE) problems.push('KNOWLEDGE_CHUNK_OVERLAP must be smaller than KNOWLEDGE_CHUNK_SIZE');
}

function checkDatabaseTimeouts(env: Env, problems: string[]): void {
  // The server's own cancel must come first, or a merely slow statement would cost a connection.
  if (env.DB_STATEMENT_TIMEOUT_MS >= env.DB_QUERY_TIMEOUT_MS) {
    problems.push(`DB_STATEMENT_TIMEOUT_MS (${env.DB_STATEMENT_TIMEOUT_MS}) must be less than DB_QUERY_TIMEOUT_MS (${env.DB_QUERY_TIMEOUT_MS})`);
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const env = parsed.data;
  const problems: string[] = [];
  const llm = pickLlm(env, problems);
  checkProduction(env, problems);
  checkKnowledge(env, problems);
  checkDatabaseTimeouts(env, problems);
  const businessWebhook = pickBusinessWebhook(env, problems);
  checkOwnerNotify(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    publicUrl: env.PUBLIC_URL,
    trustProxy: env.TRUST_PROXY,
    voiceMode: env.VOICE_MODE,
    relaySilenceTimeoutMs: env.RELAY_SILENCE_TIMEOUT_MS,
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      phoneNumber: env.TWILIO_PHONE_NUMBER,
      validateRequests: env.VALIDATE_TWILIO_REQUESTS,
      replyDeadlineMs: env.TWILIO_REPLY_DEADLINE_MS,
      apiBaseUrl: env.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    },
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      poolSize: env.DB_POOL_SIZE,
      poolMaxOverflow: env.DB_POOL_MAX_OVERFLOW,
      poolIdleTimeoutMs: env.DB_POOL_IDLE_TIMEOUT_MS,
      poolAcquireTimeoutMs: env.DB_POOL_ACQUIRE_TIMEOUT_MS,
      queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    },
    spoolReplayIntervalMs: env.SPOOL_REPLAY_INTERVAL_MS,
    outboxPollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
    businessWebhook,
    ownerNotifyNumber: env.OWNER_NOTIFY_NUMBER,
    redisUrl: env.REDIS_URL,
    llm,
    llmTurnTimeoutMs: env.LLM_TURN_TIMEOUT_MS,
    llmStreaming: env.LLM_STREAMING,
    qdrant: { url: env.QDRANT_URL, apiKey: env.QDRANT_API_KEY, collection: env.QDRANT_COLLECTION },
    knowledge: {
      embedding: pickEmbedding(env, llm),
      chunkSizeChars: env.KNOWLEDGE_CHUNK_SIZE,
      chunkOverlapChars: env.KNOWLEDGE_CHUNK_OVERLAP,
      maxDocumentBytes: env.KNOWLEDGE_MAX_DOCUMENT_BYTES,
      passages: env.KNOWLEDGE_PASSAGES,
      minSimilarity: env.KNOWLEDGE_MIN_SIMILARITY,
      retrievalDeadlineMs: env.KNOWLEDGE_RETRIEVAL_DEADLINE_MS,
    },
    apiKey: env.API_KEY,
    dashboard: { password: env.DASHBOARD_PASSWORD, passwordHash: env.DASHBOARD_PASSWORD_HASH, sessionSecret: env.DASHBOARD_SESSION_SECRET },
    calendarFeedToken: env.CALENDAR_FEED_TOKEN,
    assistantProfilePath: env.ASSISTANT_PROFILE,
    defaultLanguage: env.DEFAULT_LANGUAGE,
    maxConversationLength: env.MAX_CONVERSATION_LENGTH,
    rateLimits: { callerPerMinute: env.RATE_LIMIT_CALLER_PER_MINUTE, apiPerMinute: env.RATE_LIMIT_API_PER_MINUTE },
    speech: env.OPENAI_API_KEY || env.OPENAI_BASE_URL ? { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL } : null,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    http: { requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS },
    logLevel: env.LOG_LEVEL,
    warnings: lookalikeWarnings(Object.keys(source).filter((name) => source[name] !== undefined), KNOWN_VARIABLES),
  });
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
