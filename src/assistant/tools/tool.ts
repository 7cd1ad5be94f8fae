// What a tool is: a named, described, zod-validated function run with the turn's context.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Language } from '../../config.ts';
import type { Db } from '../../db/db.ts';
import type { Conversation } from '../../db/conversations-repo.ts';
import type { KnowledgeSource } from '../knowledge-context.ts';
import type { Profile } from '../../profile.ts';
import type { BookingNotifier } from '../../booking/booking-notifier.ts';

/** Something a transport must do after the reply: hang up, or hand the caller to a person (the transfer is stored, `requested`). */
export type AssistantAction = 'end_call' | 'transfer';

export interface ToolContext {
  db: Db;
  conversation: Conversation;
  log: Logger;
  /** The business's documents, when the app has a knowledge base. */
  knowledge?: KnowledgeSource;
  /** The business: services, booking rules, hours and time zone. */
  profile: Profile;
  now(): Date;
  /** Records each booking's confirmation text for the caller; absent when none is kept. */
  bookingNotifier?: BookingNotifier;
  requestAction(action: AssistantAction): void;
  /** The conversation now goes on in `language` (the tool has stored it): the turn's outcome says so to the transport. */
  switchLanguage(language: Language): void;
}

export interface AssistantTool<Input = unknown> {
  name: string;
  description: string;
  inputSchema: z.ZodType<Input>;
  execute(input: Input, context: ToolContext): Promise<unknown>;
}

/** Keeps the input type of each tool while letting a registry hold tools of any input. */
export function defineTool<Input>(tool: AssistantTool<Input>): AssistantTool {
  return tool as AssistantTool;
}
