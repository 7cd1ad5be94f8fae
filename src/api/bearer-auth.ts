// Bearer-key check for /v1: constant-time comparison, and a clear answer when the API is off.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerAuth(apiKey: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = apiKey ? digest(apiKey) : null;
  return async (request) => {
    if (!expected) throw new HttpError(503, 'api_disabled', 'The /v1 API is disabled: set API_KEY to enable it.');
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    // Hashing first gives equal lengths, so the comparison time says nothing about the key.
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) {
      throw new HttpError(401, 'unauthorized', 'Missing or wrong API key: send Authorization: Bearer <API_KEY>.');
    }
  };
}
