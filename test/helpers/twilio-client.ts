// Posts webhook requests the way Twilio does: form-encoded and signed with the official library.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

/** The auth token test servers are configured with (TWILIO_AUTH_TOKEN). */
export const TEST_TWILIO_TOKEN = '0123456789abcdef0123456789abcdef';

const hex32 = () => randomBytes(16).toString('hex');

export const callSid = (): string => `CA${hex32()}`;
export const messageSid = (): string => `SM${hex32()}`;
export const accountSid = (): string => `AC${hex32()}`;

export interface SignedPostOptions {
  /** Defaults to TEST_TWILIO_TOKEN. */
  authToken?: string;
  /** The URL to sign when it differs from `baseUrl + pathWithQuery` (PUBLIC_URL, proxies, attacks). */
  signedUrl?: string;
  headers?: Record<string, string>;
  /** Send no X-Twilio-Signature at all. */
  unsigned?: boolean;
}

export interface SignedPostResult {
  status: number;
  text: string;
  contentType: string | null;
}

export async function signedPost(
  baseUrl: string,
  pathWithQuery: string,
  params: Record<string, string>,
  options: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const url = baseUrl.replace(/\/+$/, '') + pathWithQuery;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (!options.unsigned) {
    headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(options.authToken ?? TEST_TWILIO_TOKEN, options.signedUrl ?? url, params);
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') };
}
