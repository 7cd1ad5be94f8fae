// X-Phone-Assistant-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, the timestamp against replays.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-phone-assistant-signature';

export function signWebhookBody(secret: string, rawBody: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
