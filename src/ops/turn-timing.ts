// Lets a route tell the metrics hook that its request answered a turn, and how long it waited on model providers.
import type { FastifyInstance } from 'fastify';
import type { Channel } from '../db/conversations-repo.ts';

export interface TurnTiming {
  channel: Channel;
  /** Time the turn waited on the LLM, and on the embedding request when nothing else was under way. */
  waitedMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a route whose request answered an assistant turn; null for every other request. */
    turnTiming: TurnTiming | null;
  }
}

export function decorateTurnTiming(app: FastifyInstance): void {
  app.decorateRequest('turnTiming', null);
}
