// The tools the assistant may call, as one AI SDK tool set built once; each turn passes its context.
import { tool, zodSchema, type ToolSet } from 'ai';
import { wellFormedDeep } from '../../clean-text.ts';
import { bookAppointment } from './book-appointment.ts';
import { cancelAppointmentTool } from './cancel-appointment.ts';
import { endCall } from './end-call.ts';
import { searchKnowledge } from './search-knowledge.ts';
import { findFreeSlotsTool } from './find-free-slots.ts';
import { listMyAppointments } from './list-my-appointments.ts';
import { moveAppointment } from './move-appointment.ts';
import { saveCustomerName } from './save-customer-name.ts';
import { switchLanguage } from './switch-language.ts';
import { takeMessage } from './take-message.ts';
import { transferToHuman } from './transfer-to-human.ts';
import type { AssistantTool, ToolContext } from './tool.ts';

export const DEFAULT_TOOLS: readonly AssistantTool[] = [
  takeMessage,
  endCall,
  findFreeSlotsTool,
  bookAppointment,
  listMyAppointments,
  cancelAppointmentTool,
  moveAppointment,
  saveCustomerName,
  transferToHuman,
  switchLanguage,
];

/** Added when the app has a knowledge base. */
export const KNOWLEDGE_TOOLS: readonly AssistantTool[] = [searchKnowledge];

/**
 * Built once per assistant rather than per turn: the SDK caches each tool's JSON schema on the
 * wrapped zod schema, and converting it afresh on every turn was a measurable share of a turn.
 * The turn's context arrives as the SDK's `experimental_context`. The model's input is made
 * well-formed first: a NUL or lone surrogate in it would make the database refuse the tool's write.
 */
export function buildToolSet(tools: readonly AssistantTool[]): ToolSet {
  return Object.fromEntries(
    tools.map((definition) => [
      definition.name,
      tool({
        description: definition.description,
        inputSchema: zodSchema(definition.inputSchema),
        execute: (input: unknown, { experimental_context: context }) => definition.execute(wellFormedDeep(input), context as ToolContext),
      }),
    ]),
  );
}
