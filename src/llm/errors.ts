// Sorts LLM failures into their causes: what the owner is told, and what the assistant apologises for.
import { APICallError, RetryError } from 'ai';
import { safeErrorMessage } from '../safe-error.ts';

/** `unauthorized`: the provider refused the key (401/403), which only the owner can fix. */
export type LlmFailureCause = 'rate_limited' | 'unreachable' | 'timeout' | 'unauthorized' | 'other';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const NETWORK_MESSAGES = /terminated|other side closed|socket hang up|fetch failed|cannot connect to api/i;

/** Each error in the chain: the error, the last attempt of a retry, and their causes. */
function* chain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current != null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current = RetryError.isInstance(current) ? current.lastError : (current as { cause?: unknown }).cause;
  }
}

function isNetworkFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || (typeof message === 'string' && NETWORK_MESSAGES.test(message));
}

/**
 * `deadlineExpired` is told by the caller, who owns the turn's deadline: an abort is only a
 * timeout when that deadline fired, not when the transport went away.
 */
export function classifyLlmError(error: unknown, deadlineExpired: boolean): LlmFailureCause {
  if (deadlineExpired) return 'timeout';
  for (const link of chain(error)) {
    if (APICallError.isInstance(link)) {
      if (link.statusCode === 429 || link.statusCode === 529) return 'rate_limited';
      if (link.statusCode === 401 || link.statusCode === 403) return 'unauthorized';
      if (link.statusCode === undefined) return 'unreachable';
      return 'other';
    }
    if (isNetworkFailure(link)) return 'unreachable';
  }
  return 'other';
}

/**
 * What of an LLM error may be shown: SDK errors carry the whole request (the caller's words)
 * in `requestBodyValues`, and the provider may quote it in its message, which is scrubbed of it.
 */
export function summarizeLlmError(error: unknown): { name: string; message: string; statusCode?: number } {
  const head = (error ?? {}) as { name?: unknown };
  const statusCode = [...chain(error)].find(APICallError.isInstance)?.statusCode;
  return {
    name: typeof head.name === 'string' ? head.name : 'Error',
    message: safeErrorMessage(error),
    ...(statusCode === undefined ? {} : { statusCode }),
  };
}
