// The tools the assistant may call, bound to one turn's context for the AI SDK.
import { tool, type ToolSet } from 'ai';
import { endCall } from './end-call.ts';
import { takeMessage } from './take-message.ts';
import type { AssistantTool, ToolContext } from './tool.ts';

export const DEFAULT_TOOLS: readonly AssistantTool[] = [takeMessage, endCall];

export function bindTools(tools: readonly AssistantTool[], context: ToolContext): ToolSet {
  return Object.fromEntries(
    tools.map((definition) => [
      definition.name,
      tool({
        description: definition.description,
        inputSchema: definition.inputSchema,
        execute: (input: unknown) => definition.execute(input, context),
      }),
    ]),
  );
}
