// Fills in what `call` was not told on the command line from the server's environment, as the server itself would see it.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Language } from '../src/config.ts';
import { isE164 } from '../src/phone.ts';
import { devTokenFile, readDevToken } from '../src/twilio/dev-token.ts';
import { CliError } from './cli-error.ts';
import type { CallFlags } from './options.ts';
import type { Signing } from './twilio-request.ts';

export interface CallSettings extends Signing {
  /** Where the server is, without a trailing slash: PUBLIC_URL when set, since that is the URL it verifies signatures against. */
  baseUrl: string;
  accountSid: string;
  from: string;
  to: string;
  language: Language | undefined;
  /** The server's API_KEY, to read the call's texts and summary from /v1 afterwards; undefined: they are not shown. */
  apiKey: string | undefined;
}

export const DEFAULT_CALLER = '+14155550100';
const DEFAULT_BUSINESS_NUMBER = '+14155550199';

type Env = Record<string, string | undefined>;

export async function resolveCallSettings(flags: CallFlags, env: Env): Promise<CallSettings> {
  const baseUrl = (flags.url ?? setting(env, 'PUBLIC_URL') ?? `http://localhost:${setting(env, 'PORT') ?? 3000}`).replace(/\/+$/, '');
  if (!URL.canParse(baseUrl) || !['http:', 'https:'].includes(new URL(baseUrl).protocol)) {
    throw new CliError(`the server URL must be http(s), such as http://localhost:3000 (got "${baseUrl}")`);
  }
  return {
    baseUrl,
    ...(await signingToken(flags, env)),
    accountSid: setting(env, 'TWILIO_ACCOUNT_SID') ?? newSid('AC'),
    from: phoneNumber('--from', flags.from ?? DEFAULT_CALLER),
    to: phoneNumber('--to', flags.to ?? setting(env, 'TWILIO_PHONE_NUMBER') ?? DEFAULT_BUSINESS_NUMBER),
    language: flags.language,
    apiKey: setting(env, 'API_KEY'),
  };
}

/** A Twilio-shaped SID: two letters and 32 hex digits. */
export function newSid(prefix: 'AC' | 'CA' | 'SM'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

// An empty variable means "not set", as it does for the server's configuration.
function setting(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

async function signingToken(flags: CallFlags, env: Env): Promise<Signing> {
  if (flags.token) return { authToken: flags.token, tokenSource: 'the token given as --token' };
  const configured = setting(env, 'TWILIO_AUTH_TOKEN');
  if (configured) return { authToken: configured, tokenSource: 'TWILIO_AUTH_TOKEN' };
  const dataDir = path.resolve(setting(env, 'DATA_DIR') ?? './data');
  return { authToken: await developmentToken(dataDir), tokenSource: `the development token in ${devTokenFile(dataDir)}` };
}

/** The token the server wrote at start because TWILIO_AUTH_TOKEN was unset (src/twilio/dev-token.ts). */
async function developmentToken(dataDir: string): Promise<string> {
  let token: string | null;
  try {
    token = await readDevToken(dataDir);
  } catch (error) {
    throw new CliError((error as Error).message, { cause: error });
  }
  if (!token) {
    throw new CliError(
      `no Twilio auth token to sign requests with: pass --token, set TWILIO_AUTH_TOKEN to the server's token, ` +
        `or start the server once without one (npm start) so that it writes a development token to ${devTokenFile(dataDir)}`,
    );
  }
  return token;
}

function phoneNumber(option: string, value: string): string {
  if (!isE164(value)) throw new CliError(`${option} must be a phone number in E.164 format, such as +14155551234 (got "${value}")`);
  return value;
}
