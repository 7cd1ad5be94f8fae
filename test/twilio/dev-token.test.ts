// resolveTwilioAuthToken: configured token, validation off, and the local development token file.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { DEV_TOKEN_FILE, resolveTwilioAuthToken } from '../../src/twilio/dev-token.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

function capturingLogger(): { log: pino.Logger; entries: () => Array<{ level: number; msg: string } & Record<string, unknown>> } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { log, entries: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string } & Record<string, unknown>) };
}

function config(env: Record<string, string>) {
  return loadConfig({ NODE_ENV: 'development', ...env });
}

describe('resolveTwilioAuthToken', () => {
  it('returns the configured token and creates no file', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'pa-token-')), 'data');
    const { log, entries } = capturingLogger();
    const token = await resolveTwilioAuthToken(config({ TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, DATA_DIR: dataDir }), log);
    assert.equal(token, TEST_TWILIO_TOKEN);
    assert.equal(existsSync(dataDir), false);
    assert.deepEqual(entries(), []);
  });

  it('returns null with a loud warning when validation is off', async () => {
    const { log, entries } = capturingLogger();
    const token = await resolveTwilioAuthToken(config({ VALIDATE_TWILIO_REQUESTS: 'false', TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }), log);
    assert.equal(token, null);
    const warnings = entries().filter((entry) => entry.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? '', /^Twilio signature validation is OFF/);
  });

  it('creates a 0600 file with 32 hex digits in a missing DATA_DIR, and reuses it on the next start', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'pa-token-')), 'nested', 'data');
    const first = capturingLogger();
    const token = await resolveTwilioAuthToken(config({ DATA_DIR: dataDir }), first.log);
    assert.ok(token);
    assert.match(token, /^[0-9a-f]{32}$/);

    const file = path.join(dataDir, DEV_TOKEN_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), token);

    const warnings = first.entries().filter((entry) => entry.level === 40);
    assert.equal(warnings.length, 1, 'logged once');
    assert.match(warnings[0]?.msg ?? '', /local development token/);
    assert.equal(warnings[0]?.twilioDevAuthToken, token);

    const second = capturingLogger();
    assert.equal(await resolveTwilioAuthToken(config({ DATA_DIR: dataDir }), second.log), token);
  });

  it('gives concurrent starts the same token', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pa-token-'));
    const { log } = capturingLogger();
    const tokens = await Promise.all([1, 2, 3].map(() => resolveTwilioAuthToken(config({ DATA_DIR: dataDir }), log)));
    assert.equal(new Set(tokens).size, 1);
    assert.deepEqual(readdirSync(dataDir), [DEV_TOKEN_FILE], 'no drafts left behind');
  });
});
