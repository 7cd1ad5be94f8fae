// Turns stored messages (AI SDK ModelMessage content) into transcript entries with their tool calls and results.
import { z } from 'zod';
import type { StoredMessage } from '../db/conversations-repo.ts';

export const toolCallEntry = z.object({ id: z.string(), name: z.string(), input: z.unknown() });
export const toolResultEntry = z.object({
  id: z.string(),
  name: z.string(),
  output: z.unknown(),
  is_error: z.boolean().describe('The tool failed or was denied; output holds the reason'),
});

export const transcriptEntry = z.object({
  seq: z.number().int(),
  role: z.enum(['user', 'assistant', 'tool']),
  text: z.string().describe('The words said; empty for messages that only carry tool calls or results'),
  created_at: z.date(),
  tool_calls: z.array(toolCallEntry),
  tool_results: z.array(toolResultEntry),
});

export type TranscriptEntry = z.output<typeof transcriptEntry>;

// Only the parts a transcript shows; others (text, files, reasoning) are skipped, as is anything unexpected.
const toolCallPart = z.object({ type: z.literal('tool-call'), toolCallId: z.string(), toolName: z.string(), input: z.unknown() });
const toolResultPart = z.object({
  type: z.literal('tool-result'),
  toolCallId: z.string(),
  toolName: z.string(),
  output: z.object({ type: z.string(), value: z.unknown().optional(), reason: z.unknown().optional() }),
});

const ERROR_OUTPUTS = new Set(['error-text', 'error-json', 'execution-denied']);

export function toTranscriptEntry(row: StoredMessage): TranscriptEntry {
  const { role, content } = row.message;
  const parts: unknown[] = Array.isArray(content) ? content : [];
  const toolCalls: TranscriptEntry['tool_calls'] = [];
  const toolResults: TranscriptEntry['tool_results'] = [];
  for (const part of parts) {
    const call = toolCallPart.safeParse(part);
    if (call.success) {
      toolCalls.push({ id: call.data.toolCallId, name: call.data.toolName, input: call.data.input });
      continue;
    }
    const result = toolResultPart.safeParse(part);
    if (result.success) {
      const { output } = result.data;
      toolResults.push({
        id: result.data.toolCallId,
        name: result.data.toolName,
        output: output.type === 'execution-denied' ? (output.reason ?? null) : (output.value ?? null),
        is_error: ERROR_OUTPUTS.has(output.type),
      });
    }
  }
  // The table's check constraint allows only these roles (the system prompt is never stored).
  return { seq: row.seq, role: role as TranscriptEntry['role'], text: row.text, created_at: row.createdAt, tool_calls: toolCalls, tool_results: toolResults };
}
