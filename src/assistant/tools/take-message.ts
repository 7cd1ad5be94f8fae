// take_message: stores a callback request (who, what, when) for a person to follow up.
import { z } from 'zod';
import { storeCallbackRequest } from '../../jobs/callback-requests.ts';
import { defineTool } from './tool.ts';

export const takeMessage = defineTool({
  name: 'take_message',
  description:
    'Store a message for the business so that a person calls the caller back. Use it once you know the caller\'s name and their message.',
  inputSchema: z.object({
    name: z.string().trim().min(1).max(200).describe("The caller's name"),
    message: z.string().trim().min(1).max(2000).describe('What the caller wants, in their words'),
  }),
  async execute(input, { db, conversation, log }) {
    const stored = await db.transaction((tx) =>
      storeCallbackRequest(tx, { conversationId: conversation.id, channel: conversation.channel, caller: conversation.caller, name: input.name, message: input.message }),
    );
    log.info({ conversationId: conversation.id, callbackRequestId: stored.id }, 'callback request stored');
    return { stored: true, reference: stored.id.slice(0, 8) };
  },
});
