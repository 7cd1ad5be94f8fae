// The session cookie's key: from DASHBOARD_SESSION_SECRET, or a random key kept in DATA_DIR and made on first start.
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SESSION_KEY_FILE = 'dashboard-session.key';

const KEY_HEX = /^[0-9a-f]{64}$/;

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

async function readKey(file: string): Promise<Buffer | null> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (!KEY_HEX.test(text)) throw new Error(`${file} does not hold a 64-hex-digit key; delete it to have a new one made (every dashboard session then ends)`);
    return Buffer.from(text, 'hex');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

/** 32 bytes, as libsodium's secretbox (under @fastify/secure-session) needs. */
export async function sessionKey(secret: string | undefined, dataDir: string): Promise<Buffer> {
  if (secret) return createHash('sha256').update(`phone-assistant dashboard session:${secret}`).digest();
  const file = path.join(dataDir, SESSION_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  // Written whole under a private name, then linked into place: of two starts racing, the first key wins.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(draft, file);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  } finally {
    await rm(draft, { force: true });
  }
  return (await readKey(file))!;
}
