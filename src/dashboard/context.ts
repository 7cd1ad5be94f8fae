// What the dashboard is given by the app, and what each page handler gets: apart, so the pages need not import the dashboard that registers them.
import type { FastifyReply } from 'fastify';
import type { Assistant } from '../assistant/engine.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import type { KnowledgeBase } from '../knowledge/knowledge-base.ts';
import type { RateLimits } from '../ops/rate-limit.ts';
import type { Profile } from '../profile.ts';
import type { html } from './html.ts';
import type { Section } from './layout.ts';
import type { LiveHub } from './live.ts';

export interface DashboardDeps {
  db: Db;
  knowledge: KnowledgeBase;
  assistant: Assistant;
  profile: Profile;
  config: Readonly<Config>;
  llmConfigured: boolean;
  rateLimits: Pick<RateLimits, 'signIn'>;
}

/** What every signed-in page handler gets. */
export interface DashboardContext extends DashboardDeps {
  live: LiveHub;
  /** Renders `body` in the page shell, with a fresh CSRF token and the live view's state. */
  render(reply: FastifyReply, section: Section, title: string, body: ReturnType<typeof html>): Promise<FastifyReply>;
}
