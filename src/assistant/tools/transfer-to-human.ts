// transfer_to_human: the caller asked for a person (or the model cannot help); on a call they are put through when someone is available.
import { z } from 'zod';
import { insertTransfer } from '../../db/transfers-repo.ts';
import { handoverAvailability } from '../../handover/availability.ts';
import { defineTool } from './tool.ts';

export const transferToHuman = defineTool({
  name: 'transfer_to_human',
  description:
    'Hand the caller over to a person at the business: when they ask for a person, or when you cannot help them. ' +
    'The result says whether they are being put through, or when someone is available.',
  inputSchema: z.object({
    reason: z.string().trim().max(500).optional().describe('Why, in a few words'),
  }),
  async execute(input, { db, conversation, profile, log, requestAction }) {
    const reason = input.reason || null;
    if (conversation.channel !== 'voice') {
      // Nobody can be put through in writing: the business is told (by the transport) and gets back to them.
      await insertTransfer(db, { conversationId: conversation.id, reason, outcome: 'requested' });
      requestAction('transfer');
      return { transferring: false, business_notified: true, say: 'A person at the business has been told and will get back to them.' };
    }
    const availability = handoverAvailability(profile, new Date());
    if (!availability.available) {
      await insertTransfer(db, { conversationId: conversation.id, reason, outcome: 'unavailable' });
      log.info({ conversationId: conversation.id, why: availability.why }, 'hand-over requested: nobody available');
      return {
        transferring: false,
        why: availability.why === 'closed' ? 'outside opening hours' : 'no one to transfer to',
        next_available: availability.next ? `${availability.next.day} ${availability.next.time} (${profile.timezone})` : null,
        say: 'Tell the caller when someone is available and offer to take a message (take_message).',
      };
    }
    await insertTransfer(db, { conversationId: conversation.id, reason, outcome: 'requested' });
    requestAction('transfer');
    return { transferring: true, say: 'Tell the caller, in one short sentence, that you are putting them through now.' };
  },
});
