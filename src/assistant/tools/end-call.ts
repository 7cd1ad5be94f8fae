// end_call: the conversation ends after the reply being spoken now.
import { z } from 'zod';
import { defineTool } from './tool.ts';

export const endCall = defineTool({
  name: 'end_call',
  description: 'End the conversation after your current reply, e.g. once the caller has said goodbye.',
  inputSchema: z.object({}),
  async execute(_input, { requestAction }) {
    requestAction('end_call');
    return { ending: true };
  },
});
