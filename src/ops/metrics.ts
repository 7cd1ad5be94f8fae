// Prometheus metrics of one app instance, on its own registry so several apps can share a process.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { TurnObserver, TurnReport } from '../assistant/engine.ts';
import type { Db } from '../db/db.ts';
import type { Channel } from '../db/conversations-repo.ts';
import type { KnowledgeObserver } from '../knowledge/knowledge-base.ts';
import { DEFAULT_MONITOR_PRECISION_MS, registerEventLoopLag } from './event-loop-lag.ts';
import { registerStoreMetrics } from './store-metrics.ts';

const PREFIX = 'phone_assistant_';

/** Who was refused by a rate limit: a caller's number (Twilio) or an API client (/v1). */
export type RateLimitScope = 'caller' | 'api' | 'sign-in';

export interface RequestObservation {
  method: string;
  /** The route pattern (`/twilio/voice`), or `unmatched` for a 404, so raw URLs never become labels. */
  route: string;
  statusCode: number;
  durationMs: number;
}

export interface Metrics extends TurnObserver, KnowledgeObserver {
  registry: Registry;
  observeRequest(observation: RequestObservation): void;
  /** A turn answered by a request: its time less the time it waited on the LLM. */
  observeTurnServerTime(channel: Channel, serverMs: number): void;
  rateLimited(scope: RateLimitScope): void;
  /** A knowledge search that finished (a turn's, the tool's or the API's), however long it took. */
  knowledgeSearched(outcome: 'ok' | 'error', durationMs: number, passages: number): void;
  /** A model's text delta went out on a relay socket, `delayMs` after its bytes reached the process. */
  relayTokenWritten(delayMs: number): void;
}

export interface MetricsDeps {
  db: Db;
  /** `config.llm.provider`, or null when no LLM is configured. */
  provider: string | null;
  /** Told when a scrape-time query fails, with what could not be read (`active calls could not be counted`); the scrape still answers. */
  onCollectError(error: unknown, failed: string): void;
}

// A voice webhook may take up to Twilio's 15 s; most requests take milliseconds.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20];
// The budget is p50 ≤ 2 ms and p99 ≤ 10 ms (DESIGN §6), so the buckets are dense there.
const SERVER_TIME_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

// Retrieval's budget is a few ms; its deadline in a turn is 400 ms by default.
// The relay's budget is p99 ≤ 1 ms from a token's bytes to its frame: dense below and around it.
const TOKEN_DELAY_BUCKETS = [0.00005, 0.0001, 0.00015, 0.0002, 0.0003, 0.0004, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const RETRIEVAL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 1, 2.5];

const ACTIVE_CALLS_SQL = `SELECT count(*)::int AS count FROM conversations
  WHERE channel = 'voice' AND status IN ('ringing', 'in-progress') AND updated_at > now() - interval '1 hour'`;

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: DEFAULT_MONITOR_PRECISION_MS });
  const eventLoopLag = registerEventLoopLag(registry);

  const httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  const turns = new Counter({
    name: `${PREFIX}turns_total`,
    help: 'Assistant turns by channel and outcome (ok, the failure cause, or withdrawn when the caller interrupted)',
    labelNames: ['channel', 'outcome'] as const,
    registers,
  });
  const voiceServerTime = new Summary({
    name: `${PREFIX}turn_server_seconds`,
    help: "Server's own time per voice turn: the /twilio/voice request less its waits on model providers: the LLM and the embedding request (last 10 minutes)",
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers,
  });
  const serverTime = new Histogram({
    name: `${PREFIX}turn_server_duration_seconds`,
    help: "Server's own time per turn by channel: the request less its wait on the LLM",
    labelNames: ['channel'] as const,
    buckets: SERVER_TIME_BUCKETS,
    registers,
  });
  const llmDuration = new Histogram({
    name: `${PREFIX}llm_request_duration_seconds`,
    help: 'Time a turn waited on the LLM (and the tools it ran), by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    buckets: LLM_BUCKETS,
    registers,
  });
  const llmFailures = new Counter({
    name: `${PREFIX}llm_failures_total`,
    help: 'Failed LLM turns by provider and cause (rate_limited, unreachable, timeout, unauthorized, other)',
    labelNames: ['provider', 'cause'] as const,
    registers,
  });
  const limited = new Counter({
    name: `${PREFIX}rate_limited_total`,
    help: 'Requests refused by a rate limit, by scope (caller, api)',
    labelNames: ['scope'] as const,
    registers,
  });
  const retrieval = new Histogram({
    name: `${PREFIX}knowledge_retrieval_duration_seconds`,
    help: 'Knowledge searches (full text, embedding the query, vectors) by outcome',
    labelNames: ['outcome'] as const,
    buckets: RETRIEVAL_BUCKETS,
    registers,
  });
  const passagesReturned = new Histogram({
    name: `${PREFIX}knowledge_passages_returned`,
    help: 'Passages a knowledge search returned',
    buckets: [0, 1, 2, 3, 5, 10, 20],
    registers,
  });
  const embeddingCalls = new Counter({
    name: `${PREFIX}embedding_requests_total`,
    help: 'Requests to the embedding endpoint by outcome (ok, error)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const vectorGraph = new Gauge({
    name: `${PREFIX}knowledge_vector_graph_passages`,
    help: 'Passages in the vector graph built last for the knowledge base (0: none yet; dense vectors are searched by scan until one is built)',
    registers,
  });
  const tokenDelay = new Histogram({
    name: `${PREFIX}relay_token_delay_seconds`,
    help: "Relay calls: from a model text chunk's arrival on the LLM socket to its text frame handed to the caller's WebSocket",
    buckets: TOKEN_DELAY_BUCKETS,
    registers,
  });
  // Registered before active_calls: a scrape collects in order, so the pool is read before the scrape's own query holds a connection.
  new Gauge({
    name: `${PREFIX}db_pool_connections`,
    help: 'Database pool connections by state (total, idle, waiting for a connection)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const stats = deps.db.stats();
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  new Gauge({
    name: `${PREFIX}active_calls`,
    help: 'Voice calls ringing or in progress that changed within the last hour',
    registers,
    async collect() {
      try {
        const { rows } = await deps.db.query<{ count: number }>(ACTIVE_CALLS_SQL);
        this.set(rows[0]?.count ?? 0);
      } catch (error) {
        // The other metrics are still worth scraping while the database is down; this one keeps its last value.
        deps.onCollectError(error, 'active calls could not be counted');
      }
    },
  });

  registerStoreMetrics(registry, { db: deps.db, prefix: PREFIX, onCollectError: (error) => deps.onCollectError(error, 'the outbox could not be read') });

  const provider = deps.provider ?? 'none';
  return {
    registry,
    observeRequest({ method, route, statusCode, durationMs }) {
      eventLoopLag.busy();
      httpDuration.observe({ method, route, status_code: statusCode }, durationMs / 1000);
    },
    observeTurnServerTime(channel, serverMs) {
      const seconds = Math.max(0, serverMs) / 1000;
      serverTime.observe({ channel }, seconds);
      if (channel === 'voice') voiceServerTime.observe(seconds);
    },
    turnFinished(report: TurnReport) {
      turns.inc({ channel: report.channel, outcome: report.outcome });
      // Only turns that reached the model and heard it out say something about it (a withdrawn one was cut by its caller).
      if (report.outcome === 'unavailable' || report.outcome === 'error' || report.outcome === 'abandoned' || report.outcome === 'withdrawn') return;
      llmDuration.observe({ provider, outcome: report.outcome }, report.llmMs / 1000);
      if (report.outcome !== 'ok') llmFailures.inc({ provider, cause: report.outcome });
    },
    rateLimited(scope) {
      limited.inc({ scope });
    },
    knowledgeSearched(outcome, durationMs, passages) {
      retrieval.observe({ outcome }, durationMs / 1000);
      if (outcome === 'ok') passagesReturned.observe(passages);
    },
    relayTokenWritten(delayMs) {
      tokenDelay.observe(Math.max(0, delayMs) / 1000);
    },
    embeddingCall(outcome) {
      embeddingCalls.inc({ outcome });
    },
    vectorGraphBuilt(passages) {
      vectorGraph.set(passages);
    },
  };
}
