// Decides the auth token Twilio signatures are checked with, creating a local one for development.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

export const DEV_TOKEN_FILE = 'twilio-dev-auth-token';

const TOKEN = /^[0-9a-f]{32}$/i;

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

async function readToken(file: string): Promise<string | null> {
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (!TOKEN.test(token)) throw new Error(`${file} does not hold a 32-hex-digit token; delete it to have a new one created`);
    return token;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

export function devTokenFile(dataDir: string): string {
  return path.join(dataDir, DEV_TOKEN_FILE);
}

/** The development token a server keeps in `dataDir`, or null when it has not written one: for local tools that sign. */
export function readDevToken(dataDir: string): Promise<string | null> {
  return readToken(devTokenFile(dataDir));
}

async function readOrCreateToken(dataDir: string): Promise<string> {
  const file = devTokenFile(dataDir);
  const existing = await readToken(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(16).toString('hex');
  // Written whole under a private name, then linked into place: link fails if another start
  // created the file meanwhile (its token then wins), and no reader ever sees a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${token}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(draft, file);
    return token;
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    const raced = await readToken(file);
    if (!raced) throw error;
    return raced;
  } finally {
    await rm(draft, { force: true });
  }
}

/**
 * The token to validate X-Twilio-Signature with, or null when validation is off. Without
 * TWILIO_AUTH_TOKEN (config allows that only outside production) a local token is kept in
 * DATA_DIR so that local tools such as the simulator can sign their requests.
 */
export async function resolveTwilioAuthToken(config: Pick<Config, 'twilio' | 'database'>, log: Logger): Promise<string | null> {
  if (!config.twilio.validateRequests) {
    log.warn('Twilio signature validation is OFF (VALIDATE_TWILIO_REQUESTS=false): anyone who can reach /twilio/* can pose as Twilio');
    return null;
  }
  if (config.twilio.authToken) return config.twilio.authToken;
  const token = await readOrCreateToken(config.database.dataDir);
  log.warn(
    { twilioDevAuthToken: token, file: devTokenFile(config.database.dataDir) },
    'TWILIO_AUTH_TOKEN is not set: using a local development token to sign local requests (e.g. the simulator); real Twilio requests will be rejected',
  );
  return token;
}
