// save_customer_name: remembers the caller's name for next time, under the number they call from.
import { z } from 'zod';
import { saveCustomerName as saveName } from '../../booking/customers-repo.ts';
import { callerNumber, NO_CALLER_NUMBER } from './booking-tool-helpers.ts';
import { defineTool } from './tool.ts';

export const saveCustomerName = defineTool({
  name: 'save_customer_name',
  description: "Remember the caller's name once they have told you, so they are greeted by name next time.",
  inputSchema: z.object({ name: z.string().trim().min(1).max(200).describe("The caller's name as they said it") }),
  async execute(input, context) {
    const phone = callerNumber(context);
    if (!phone) return NO_CALLER_NUMBER;
    await saveName(context.db, phone, input.name);
    return { saved: true };
  },
});
