// A caller's request for a person, kept for the business and told to it (callback.requested) in the same transaction.
import type { Channel, Conversation } from '../db/conversations-repo.ts';
import type { Db, Queryable } from '../db/db.ts';
import { insertCallbackRequest, type NewCallbackRequest } from '../db/callbacks-repo.ts';
import { takeRequestedTransfer, updateTransfer } from '../db/transfers-repo.ts';
import { enqueueEvent } from './business-events.ts';

/** Stores a message left for a call-back and the event about it; pass a transaction so neither exists without the other. */
export async function storeCallbackRequest(tx: Queryable, request: NewCallbackRequest & { channel: Channel }): Promise<{ id: string }> {
  const stored = await insertCallbackRequest(tx, request);
  await enqueueEvent(tx, 'callback.requested', {
    callback_request_id: stored.id,
    conversation_id: request.conversationId,
    channel: request.channel,
    caller: request.caller,
    name: request.name,
    message: request.message,
  });
  return stored;
}

/**
 * In writing nobody can be put through: a hand-over the model asked for becomes a request for a
 * person to get back to the caller. Returns whether there was one to pass on.
 */
export async function notifyWrittenHandover(db: Db, conversation: Conversation): Promise<boolean> {
  return db.transaction(async (tx) => {
    const transfer = await takeRequestedTransfer(tx, conversation.id);
    if (!transfer) return false;
    await updateTransfer(tx, { id: transfer.id, conversationId: conversation.id }, { outcome: 'notified' });
    await enqueueEvent(tx, 'callback.requested', {
      conversation_id: conversation.id,
      channel: conversation.channel,
      caller: conversation.caller,
      name: null,
      message: transfer.reason,
      handover: true,
    });
    return true;
  });
}
