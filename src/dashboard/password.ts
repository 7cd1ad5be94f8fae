// The owner's password check: DASHBOARD_PASSWORD_HASH (scrypt) or DASHBOARD_PASSWORD, compared in constant time.
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { DashboardConfig } from '../config.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

const digest = (value: string) => createHash('sha256').update(value).digest();

export type PasswordCheck = (candidate: string) => Promise<boolean>;

/** null when the dashboard has no password: it is then off. */
export function passwordCheck(config: DashboardConfig): PasswordCheck | null {
  if (config.passwordHash) {
    const [, saltHex, hashHex] = config.passwordHash.split(':');
    const salt = Buffer.from(saltHex!, 'hex');
    const expected = Buffer.from(hashHex!, 'hex');
    return async (candidate) => timingSafeEqual(await scryptAsync(candidate, salt, expected.length), expected);
  }
  if (config.password) {
    // Hashing both gives equal lengths, so the comparison's time says nothing about the password.
    const expected = digest(config.password);
    return async (candidate) => timingSafeEqual(digest(candidate), expected);
  }
  return null;
}

/** Changes when the password does: sessions signed in under an older password end. */
export function passwordEpoch(config: DashboardConfig): string {
  return digest(`epoch:${config.passwordHash ?? config.password ?? ''}`).toString('base64url').slice(0, 12);
}
