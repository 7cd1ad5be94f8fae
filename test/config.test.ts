// loadConfig: defaults, every rule with a failing and a passing case, and the frozen result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

const VALID_SID = 'AC' + '0123456789abcdef'.repeat(2);
const VALID_TOKEN = 'f'.repeat(32);

describe('loadConfig', () => {
  it('starts with defaults from an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.database.url, undefined);
    assert.equal(config.database.poolSize, 5);
    assert.equal(config.database.poolMaxOverflow, 5);
    assert.equal(config.maxConversationLength, 50);
    assert.equal(config.defaultLanguage, 'en');
    assert.equal(config.twilio.validateRequests, true);
    assert.equal(config.llm, null);
    assert.match(config.assistantProfilePath, /profiles\/sample\.yaml$/);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.database));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).port, 3000);
  });

  const rules: { name: string; bad: Record<string, string>; good: Record<string, string>; message: RegExp }[] = [
    { name: 'PORT range', bad: { PORT: '70000' }, good: { PORT: '8080' }, message: /^PORT must be a whole number from 0 to 65535$/ },
    { name: 'PORT digits', bad: { PORT: 'abc' }, good: { PORT: '0' }, message: /^PORT must be a whole number/ },
    { name: 'PUBLIC_URL parses', bad: { PUBLIC_URL: 'example.com' }, good: { PUBLIC_URL: 'https://example.com' }, message: /^PUBLIC_URL must be an http\(s\) URL/ },
    { name: 'TRUST_PROXY flag', bad: { TRUST_PROXY: 'maybe' }, good: { TRUST_PROXY: 'yes' }, message: /^TRUST_PROXY must be true or false$/ },
    { name: 'TWILIO_ACCOUNT_SID format', bad: { TWILIO_ACCOUNT_SID: 'AB123' }, good: { TWILIO_ACCOUNT_SID: VALID_SID }, message: /^TWILIO_ACCOUNT_SID must start with AC and have 32 hex digits$/ },
    { name: 'TWILIO_AUTH_TOKEN format', bad: { TWILIO_AUTH_TOKEN: 'short' }, good: { TWILIO_AUTH_TOKEN: VALID_TOKEN }, message: /^TWILIO_AUTH_TOKEN must be 32 hex digits/ },
    { name: 'TWILIO_PHONE_NUMBER E.164', bad: { TWILIO_PHONE_NUMBER: '415-555-1234' }, good: { TWILIO_PHONE_NUMBER: '+14155551234' }, message: /^TWILIO_PHONE_NUMBER must be a phone number in E\.164/ },
    { name: 'DATABASE_URL scheme', bad: { DATABASE_URL: 'mysql://localhost/db' }, good: { DATABASE_URL: 'postgres://u@localhost/db' }, message: /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/ },
    { name: 'DB_POOL_SIZE range', bad: { DB_POOL_SIZE: '0' }, good: { DB_POOL_SIZE: '10' }, message: /^DB_POOL_SIZE must be a whole number from 1 to 200$/ },
    { name: 'DB_POOL_MAX_OVERFLOW range', bad: { DB_POOL_MAX_OVERFLOW: '-1' }, good: { DB_POOL_MAX_OVERFLOW: '0' }, message: /^DB_POOL_MAX_OVERFLOW must be a whole number/ },
    { name: 'DB_QUERY_TIMEOUT_MS range', bad: { DB_QUERY_TIMEOUT_MS: '10' }, good: { DB_QUERY_TIMEOUT_MS: '5000' }, message: /^DB_QUERY_TIMEOUT_MS must be a whole number/ },
    { name: 'statement timeout below the query timeout', bad: { DB_STATEMENT_TIMEOUT_MS: '3000' }, good: { DB_STATEMENT_TIMEOUT_MS: '2000' }, message: /^DB_STATEMENT_TIMEOUT_MS \(3000\) must be less than DB_QUERY_TIMEOUT_MS \(3000\)$/ },
    { name: 'REDIS_URL scheme', bad: { REDIS_URL: 'http://localhost' }, good: { REDIS_URL: 'redis://127.0.0.1:6379' }, message: /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/ },
    { name: 'LLM_PROVIDER choice', bad: { LLM_PROVIDER: 'gemini' }, good: { LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-x' }, message: /^LLM_PROVIDER must be openai or anthropic$/ },
    { name: 'OPENAI_BASE_URL parses', bad: { OPENAI_BASE_URL: 'not a url' }, good: { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }, message: /^OPENAI_BASE_URL must be an http\(s\) URL/ },
    { name: 'ANTHROPIC_API_KEY prefix', bad: { ANTHROPIC_API_KEY: 'sk-123' }, good: { ANTHROPIC_API_KEY: 'sk-ant-123' }, message: /^ANTHROPIC_API_KEY must start with sk-ant-$/ },
    { name: 'QDRANT_URL parses', bad: { QDRANT_URL: 'qdrant:6333' }, good: { QDRANT_URL: 'http://127.0.0.1:6333' }, message: /^QDRANT_URL must be an http\(s\) URL/ },
    { name: 'API_KEY length', bad: { API_KEY: 'short' }, good: { API_KEY: 'a-long-enough-api-key' }, message: /^API_KEY must be at least 16 characters$/ },
    { name: 'DEFAULT_LANGUAGE choice', bad: { DEFAULT_LANGUAGE: 'de' }, good: { DEFAULT_LANGUAGE: 'sk' }, message: /^DEFAULT_LANGUAGE must be one of en, ru, uk, sk$/ },
    { name: 'MAX_CONVERSATION_LENGTH range', bad: { MAX_CONVERSATION_LENGTH: '1' }, good: { MAX_CONVERSATION_LENGTH: '2' }, message: /^MAX_CONVERSATION_LENGTH must be a whole number from 2/ },
    { name: 'LLM_TURN_TIMEOUT_MS range', bad: { LLM_TURN_TIMEOUT_MS: '10' }, good: { LLM_TURN_TIMEOUT_MS: '5000' }, message: /^LLM_TURN_TIMEOUT_MS must be a whole number/ },
    { name: 'LOG_LEVEL choice', bad: { LOG_LEVEL: 'verbose' }, good: { LOG_LEVEL: 'debug' }, message: /^LOG_LEVEL must be one of/ },
    { name: 'NODE_ENV choice', bad: { NODE_ENV: 'prod' }, good: { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: VALID_TOKEN }, message: /^NODE_ENV must be development, production or test$/ },
    { name: 'anthropic needs its key', bad: { LLM_PROVIDER: 'anthropic', OPENAI_API_KEY: 'sk-x' }, good: { LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'sk-ant-x' }, message: /^ANTHROPIC_API_KEY is required when LLM_PROVIDER is anthropic$/ },
    { name: 'openai needs a key or URL', bad: { LLM_PROVIDER: 'openai' }, good: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }, message: /^OPENAI_API_KEY \(or OPENAI_BASE_URL/ },
    { name: 'production needs a Twilio token', bad: { NODE_ENV: 'production' }, good: { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: VALID_TOKEN }, message: /^TWILIO_AUTH_TOKEN is required in production$/ },
    { name: 'production keeps signature checks', bad: { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: VALID_TOKEN, VALIDATE_TWILIO_REQUESTS: 'false' }, good: { NODE_ENV: 'development', VALIDATE_TWILIO_REQUESTS: 'false' }, message: /^VALIDATE_TWILIO_REQUESTS cannot be false in production$/ },
  ];

  for (const rule of rules) {
    it(`${rule.name}: rejects a bad value with a message naming the variable, accepts a good one`, () => {
      const problems = problemsOf(rule.bad);
      assert.ok(problems.some((problem) => rule.message.test(problem)), `got: ${problems.join(' | ')}`);
      assert.deepEqual(problemsOf(rule.good), []);
    });
  }

  it('reports every problem at once, one line each', () => {
    const problems = problemsOf({ PORT: 'x', ANTHROPIC_API_KEY: 'nope', DEFAULT_LANGUAGE: 'fr' });
    assert.equal(problems.length, 3);
  });

  it('picks the provider whose key is set, OpenAI first when both are', () => {
    assert.equal(loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-x' }).llm?.provider, 'anthropic');
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-x' }).llm?.provider, 'openai');
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant-x' }).llm?.provider, 'openai');
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant-x', LLM_PROVIDER: 'anthropic' }).llm?.provider, 'anthropic');
  });

  it('warns about set variables that look like ours, naming them but never their values', () => {
    const warnings = loadConfig({ TWILLIO_AUTH_TOKEN: 'secret-1', OPENAI_API_KY: 'secret-2', openai_model: 'x', TWILIO_REGION: 'au1', HOME: '/root', HOSTNAME: 'box', npm_config_cache: '/c', OTEL_SERVICE_NAME: 'pa' }).warnings;
    assert.deepEqual(warnings, [
      'TWILLIO_AUTH_TOKEN is set but phone-assistant does not read it: did you mean TWILIO_AUTH_TOKEN?',
      'OPENAI_API_KY is set but phone-assistant does not read it: did you mean OPENAI_API_KEY?',
      'openai_model is set but phone-assistant does not read it: did you mean OPENAI_MODEL?',
      'TWILIO_REGION is set but phone-assistant does not read it (it reads TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER, TWILIO_API_BASE_URL, TWILIO_REPLY_DEADLINE_MS)',
    ]);
    assert.doesNotMatch(warnings.join('\n'), /secret/);
    assert.deepEqual(loadConfig({ PORT: '3000', HOST: '127.0.0.1' }).warnings, []);
  });

  it('strips a trailing slash from base URLs', () => {
    const config = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/' });
    assert.equal(config.llm?.baseUrl, 'http://127.0.0.1:11434/v1');
  });
});
