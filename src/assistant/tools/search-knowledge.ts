// search_knowledge: the model looks up something in the business's documents that the passages it was given do not cover.
import { z } from 'zod';
import { defineTool } from './tool.ts';

export const searchKnowledge = defineTool({
  name: 'search_knowledge',
  description:
    "Search the business's documents (prices, services, policies, directions) for something the passages you were given do not answer. Returns passages; if none fit, say you do not know.",
  inputSchema: z.object({
    query: z.string().trim().min(1).max(500).describe('What to look up, in a few words'),
  }),
  async execute(input, { knowledge, conversation }) {
    if (!knowledge) return { passages: [] };
    const passages = await knowledge.search(input.query, conversation.language, AbortSignal.timeout(KNOWLEDGE_TOOL_TIMEOUT_MS));
    return { passages: passages.map((p) => ({ source: p.heading || p.title, text: p.text })) };
  },
});

// The model waits on the tool while the caller waits on the model: bounded like the turn's own retrieval, a little more generously.
const KNOWLEDGE_TOOL_TIMEOUT_MS = 2_000;
