// Readiness checks: each dependency probed in parallel, each bounded by the same timeout.
import type { Config, LlmConfig } from '../config.ts';
import type { Db } from '../db/db.ts';
import { modelsRequest } from '../llm/provider.ts';

export const CHECK_TIMEOUT_MS = 1500;

export type CheckResult =
  | { status: 'ok'; latencyMs: number }
  | { status: 'error'; latencyMs: number; error: string }
  | { status: 'not_configured' };

/** A probe resolves when the dependency answers well and rejects with a short reason otherwise. */
export type Probe = (signal: AbortSignal) => Promise<void>;

async function runProbe(probe: Probe, timeoutMs: number): Promise<CheckResult> {
  const startedMs = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The race bounds probes that ignore the signal (a query stuck behind a dead connection).
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([probe(controller.signal), timeout]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - startedMs) };
  } catch (error) {
    const reason = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    return { status: 'error', latencyMs: Math.round(performance.now() - startedMs), error: reason };
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export async function runChecks(probes: Record<string, Probe | null>, timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, probe ? await runProbe(probe, timeoutMs) : { status: 'not_configured' as const }] as const),
  );
  const checks = Object.fromEntries(entries);
  return { ready: entries.every(([, result]) => result.status !== 'error'), checks };
}

async function expectOk(url: string, headers: Record<string, string>, signal: AbortSignal, describeStatus: (status: number) => string = (status) => `answered HTTP ${status}`): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) throw new Error(describeStatus(response.status));
}

/** Vectors kept in the database: their table must be there (the migration applied). */
export function databaseVectorsProbe(db: Db): Probe {
  return async () => {
    await db.query('SELECT version FROM knowledge_state');
  };
}

export function databaseProbe(db: Db): Probe {
  return async () => {
    await db.query('SELECT 1');
  };
}

export function llmProbe(llm: LlmConfig): Probe {
  const { url, headers, keyVariable } = modelsRequest(llm);
  // The commonest first-start mistake: say which variable holds the key the provider refused.
  const describeStatus = (status: number) =>
    status === 401 || status === 403
      ? llm.apiKey
        ? `rejected the API key (${keyVariable}): answered HTTP ${status}`
        : `wants an API key: set ${keyVariable} (answered HTTP ${status})`
      : `answered HTTP ${status}`;
  return (signal) => expectOk(url, headers, signal, describeStatus);
}

export function qdrantProbe(qdrant: Config['qdrant']): Probe | null {
  if (!qdrant.url) return null;
  const headers: Record<string, string> = qdrant.apiKey ? { 'api-key': qdrant.apiKey } : {};
  // The collections endpoint, rather than /readyz: it also proves the API key is accepted.
  return (signal) => expectOk(`${qdrant.url}/collections`, headers, signal);
}
